FROM python:3.11-slim
WORKDIR /app
COPY requirements-bridge.txt /app/requirements-bridge.txt
RUN pip install --no-cache-dir -r /app/requirements-bridge.txt
COPY ocpp_bridge /app/ocpp_bridge
ENV PYTHONUNBUFFERED=1
EXPOSE 9000 9001
CMD ["python", "-m", "ocpp_bridge"]
