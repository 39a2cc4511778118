# The official Odoo 18 image plus the suite's extra Python dependencies (PEP 668: the image's
# Python is externally managed, hence --break-system-packages).
FROM odoo:18
USER root
COPY requirements-odoo-extra.txt /tmp/requirements-odoo-extra.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /tmp/requirements-odoo-extra.txt
USER odoo
