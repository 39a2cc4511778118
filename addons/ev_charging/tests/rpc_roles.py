"""Calling public methods over RPC as a role, the two transports a client has: XML-RPC and the web
client's /web/dataset/call_kw (JSON). Shared by the addons' RPC access tests (a mixin for HttpCase)."""

import xmlrpc.client

from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

#: loggers that report a refused RPC call (warnings for AccessError, the traceback of a missing method)
RPC_LOGGERS = ("odoo.http", "odoo.addons.base.controllers.rpc", "odoo.service.model")
#: odoo/addons/base/controllers/rpc.py: XML-RPC fault codes
FAULT_CODES = {"AccessError": 4, "ValidationError": 2, "UserError": 2}


class RpcRolesMixin:
    """For an HttpCase whose users' password is their login."""

    #: what a refused call may log (muted in assertRefused)
    rpc_loggers = RPC_LOGGERS

    def xmlrpc(self, user, model, method, *args):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, user.login, user.login, {})
        self.assertTrue(uid, f"{user.login} could not log in over XML-RPC")
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, user.login, model, method, list(args))

    def call_kw(self, user, model, method, *args):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": {}},
        )

    def assertRefused(self, user, model, method, *args, error="AccessError"):
        """Both transports refuse the call with a fault of ``error`` (an exception class name; None: any)."""
        with mute_logger(*self.rpc_loggers):
            with self.assertRaises(xmlrpc.client.Fault, msg=f"XML-RPC {model}.{method} as {user.login}") as ctx:
                self.xmlrpc(user, model, method, *args)
            if error:
                self.assertEqual(ctx.exception.faultCode, FAULT_CODES[error], ctx.exception.faultString)
            with self.assertRaises(JsonRpcException, msg=f"call_kw {model}.{method} as {user.login}") as ctx:
                self.call_kw(user, model, method, *args)
            if error:
                self.assertIn(f"odoo.exceptions.{error}", str(ctx.exception))
