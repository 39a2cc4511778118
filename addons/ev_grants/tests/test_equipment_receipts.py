"""Equipment and supplies ($10,000 per-unit threshold, the equipment record) and receipts stored in
S3 through boto3 against a real S3 API: moto's S3 server, started on a free loopback port."""

import base64
import hashlib
import socket
from datetime import date

import boto3
from moto.server import ThreadedMotoServer

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import GrantCase

PDF = b"%PDF-1.4\n% a receipt\n" + bytes(range(256)) * 8


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestEquipmentAndReceipts(GrantCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        port = free_port()
        cls.s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        cls.s3_server.start()
        cls.addClassCleanup(cls.s3_server.stop)
        cls.endpoint = f"http://127.0.0.1:{port}"
        cls.s3 = boto3.client(
            "s3",
            endpoint_url=cls.endpoint,
            region_name="us-east-1",
            aws_access_key_id="grants-test",
            aws_secret_access_key="grants-test-secret",
        )
        cls.s3.create_bucket(Bucket="ev-grant-receipts")

    def configure_s3(self, bucket="ev-grant-receipts"):
        params = self.env["ir.config_parameter"]
        params.set_param("ev_grants.s3_bucket", bucket)
        params.set_param("ev_grants.s3_endpoint_url", self.endpoint)
        params.set_param("ev_grants.s3_region", "us-east-1")
        params.set_param("ev_grants.s3_access_key", "grants-test")
        params.set_param("ev_grants.s3_secret_key", "grants-test-secret")

    def item(self, **vals):
        values = {
            "name": "DC charger",
            "grant_id": self.grant.id,
            "unit_cost": 85000,
            "acquisition_date": date(2025, 11, 3),
            "serial_number": "SN-1",
            "title_holder_id": self.company.partner_id.id,
            "site_id": self.site.id,
        }
        values.update(vals)
        return self.env["ev.grant.equipment"].create(values)

    def receipt(self, data=PDF, **vals):
        values = {"name": "invoice 2025/1187.pdf", "mimetype": "application/pdf", "datas": base64.b64encode(data)}
        values.update(vals)
        return self.env["ev.grant.receipt"].create(values)

    def test_equipment_threshold_per_unit(self):
        self.assertEqual(self.item(unit_cost=9999.99).category, "e")
        self.assertEqual(self.item(unit_cost=10000).category, "d")
        self.assertEqual(self.item(unit_cost=2500, quantity=8).category, "e")  # 20,000 in total, 2,500 per unit
        self.assertEqual(self.item(unit_cost=45000, useful_life_years=1).category, "e")
        self.grant.capitalization_level = 5000
        self.assertEqual(self.item(unit_cost=6000).category, "d")

    def test_posting_equipment_needs_its_record_and_receipt(self):
        item = self.item(serial_number=False, title_holder_id=False)
        with self.refused(
            UserError,
            r"'DC charger' is equipment \(85000.0 per unit, threshold 10000\): its "
            r"record needs the serial number, title holder before it is posted",
        ):
            item.action_post()
        item.write({"serial_number": "SN-1", "title_holder_id": self.company.partner_id.id})
        with self.refused(UserError, "Attach the receipt of 'DC charger'"):
            item.action_post()
        self.receipt(equipment_id=item.id)
        item.action_post()
        self.assertEqual(item.state, "posted")
        self.assertEqual(item.cost_id.category, "d")
        self.assertEqual(item.cost_id.amount, 85000)
        self.assertEqual(item.cost_id.federal_amount, 68000)
        self.assertEqual(item.cost_id.capital_field, "equipment")
        supplies = self.item(name="Cable kits", unit_cost=350, quantity=4, serial_number=False)
        self.receipt(equipment_id=supplies.id)
        supplies.action_post()
        self.assertEqual((supplies.cost_id.category, supplies.cost_id.amount), ("e", 1400))
        with self.refused(UserError, "Receipts of posted trips and equipment are kept"):
            supplies.receipt_ids.unlink()

    def test_receipt_in_s3(self):
        self.configure_s3()
        item = self.item()
        attachments = self.env["ir.attachment"].search_count([("res_model", "=", "ev.grant.receipt")])
        receipt = self.receipt(equipment_id=item.id)
        sha = hashlib.sha256(PDF).hexdigest()
        self.assertEqual(receipt.storage, "s3")
        self.assertEqual(receipt.s3_bucket, "ev-grant-receipts")
        self.assertEqual(receipt.checksum, sha)
        self.assertEqual(receipt.file_size, len(PDF))
        self.assertTrue(receipt.s3_key.endswith(f"/{sha}/invoice_2025_1187.pdf"), receipt.s3_key)
        # the object is in the bucket, read back with a client of our own
        obj = self.s3.get_object(Bucket="ev-grant-receipts", Key=receipt.s3_key)
        self.assertEqual(obj["Body"].read(), PDF)
        self.assertEqual(obj["ContentType"], "application/pdf")
        self.assertEqual(obj["Metadata"], {"sha256": sha})
        self.assertEqual(self.env["ir.attachment"].search_count([("res_model", "=", "ev.grant.receipt")]), attachments)
        receipt.invalidate_recordset()
        self.assertEqual(base64.b64decode(receipt.datas), PDF)
        self.assertEqual(receipt.grant_id, self.grant)
        with self.refused(UserError, "is kept as filed"):
            receipt.datas = base64.b64encode(b"another file")

    def test_receipt_in_the_filestore_without_a_bucket(self):
        receipt = self.receipt(cost_id=self.cost().id)
        self.assertEqual(receipt.storage, "filestore")
        self.assertFalse(receipt.s3_key)
        self.assertEqual(receipt.attachment_id.raw, PDF)
        receipt.invalidate_recordset()
        self.assertEqual(base64.b64decode(receipt.datas), PDF)

    def test_s3_failure_stores_nothing(self):
        self.configure_s3(bucket="no-such-bucket")
        cost = self.cost()
        with self.refused(UserError, "could not be stored in S3 \\(nothing was saved\\).*NoSuchBucket"):
            self.receipt(cost_id=cost.id)
        cost.invalidate_recordset()
        self.assertFalse(cost.receipt_ids)

    def test_a_receipt_belongs_to_one_record(self):
        with self.refused(UserError, "must belong to exactly one cost"):
            self.receipt()
