FROM python:3.11-slim
WORKDIR /app
COPY requirements-bridge.txt /app/requirements-bridge.txt
RUN pip install --no-cache-dir -r /app/requirements-bridge.txt
COPY ocpp_bridge /app/ocpp_bridge
ENV PYTHONUNBUFFERED=1
# 9000 OCPP websockets, 9001 control (Odoo's wake-ups). /metrics and /health listen on
# 127.0.0.1:9002 inside the container: to scrape them set EV_BRIDGE_METRICS_HOST=0.0.0.0 and
# EV_BRIDGE_CONTROL_TOKEN (the scraper sends it as a bearer token).
EXPOSE 9000 9001
CMD ["python", "-m", "ocpp_bridge"]
