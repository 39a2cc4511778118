# The official Odoo 18 image plus the suite's extra Python dependencies (PEP 668: the image's
# Python is externally managed, hence --break-system-packages) and the OCA addons the ev_* addons
# depend on (requirements-oca.txt). The OCA wheels declare a dependency on an `odoo` distribution
# that the image's Debian package does not register with pip, so they are installed without
# dependencies into /opt/oca (on the addons_path of config/odoo.conf); the Python packages they
# need are in requirements-odoo-extra.txt. Build context: the repository root.
FROM odoo:18
USER root
RUN apt-get update && apt-get install -y --no-install-recommends wkhtmltopdf fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY docker/requirements-odoo-extra.txt /tmp/requirements-odoo-extra.txt
COPY requirements-oca.txt /tmp/requirements-oca.txt
RUN pip3 install --no-cache-dir --break-system-packages -r /tmp/requirements-odoo-extra.txt \
    && pip3 install --no-cache-dir --break-system-packages --no-deps --target /opt/oca -r /tmp/requirements-oca.txt \
    && test -f /opt/oca/odoo/addons/account_asset_management/__manifest__.py
USER odoo
