from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..qbo_engine.builder import MappingMissing
from .qbo_common import QboEmulatorCommon


@tagged("post_install", "-at_install")
class TestQboAccountMapping(QboEmulatorCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_east = cls.env["stock.warehouse"].create({
            "name": "East", "code": "EAST", "company_id": cls.qbo_company.id})
        cls.categ_parent = cls.env["product.category"].create({"name": "Hardware"})
        cls.categ_child = cls.env["product.category"].create({"name": "Bolts", "parent_id": cls.categ_parent.id})
        cls.inventory = cls.qbo_accounts["Inventory Asset"]
        cls.in_transit = cls.qbo_accounts["Inventory in Transit"]
        cls.hold = cls.qbo_accounts["Inventory – Quality Hold"]
        cls.cogs = cls.qbo_accounts["Cost of Goods Sold"]
        # two more inventory accounts, only in the cache: resolution never reaches QuickBooks
        cls.inventory_store, cls.inventory_outlet = cls.env["qbo.account"].sudo().create([
            {"connection_id": cls.qbo_connection.id, "qbo_id": qbo_id, "name": name,
             "account_type": "Other Current Asset", "account_sub_type": "Inventory", "classification": "Asset"}
            for qbo_id, name in (("9001", "Inventory – Store"), ("9002", "Inventory – Outlet"))])

    def _map(self, role, account, **scope):
        return self.env["qbo.account.mapping"].create(dict(
            {"company_id": self.qbo_company.id, "role": role, "account_id": account.id}, **scope))

    def _resolve(self, role, warehouse=None, category=None, channel=None, cost_type=None):
        mapping, _dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(self.qbo_company)
        key = lambda record: str(record.id) if record else None  # noqa: E731
        return mapping.resolve(role, warehouse=key(warehouse), category=key(category), channel=key(channel),
                               cost_type=cost_type).value

    def test_every_role_is_mapped(self):
        self.assertFalse(self.env["qbo.account.mapping"]._qbo_unmapped_roles(self.qbo_company))
        self.assertFalse(self.qbo_mappings.filtered("type_warning"), self.qbo_mappings.mapped("type_warning"))
        self.assertEqual(self._resolve("accrued_landed_cost", cost_type="duty"),
                         self.qbo_accounts["Accrued Landed Cost – Duty"].qbo_id)
        mapping, _dimensions = self.qbo_company._qbo_account_mapping()
        self.assertEqual(mapping.resolve("grni").value, self.qbo_accounts["Inventory Received Not Billed"].qbo_id)

    def test_most_specific_wins(self):
        self._map("inventory", self.in_transit, warehouse_id=self.warehouse_east.id)
        self._map("inventory", self.hold, categ_id=self.categ_parent.id)
        self._map("inventory", self.inventory_store, team_id=self.qbo_channel.id)
        # company-wide
        self.assertEqual(self._resolve("inventory"), self.inventory.qbo_id)
        self.assertEqual(self._resolve("inventory", warehouse=self.qbo_warehouse), self.inventory.qbo_id)
        # one scope each
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east), self.in_transit.qbo_id)
        self.assertEqual(self._resolve("inventory", category=self.categ_parent), self.hold.qbo_id)
        self.assertEqual(self._resolve("inventory", channel=self.qbo_channel), self.inventory_store.qbo_id)
        # warehouse beats category beats channel
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east, category=self.categ_parent,
                                       channel=self.qbo_channel), self.in_transit.qbo_id)
        self.assertEqual(self._resolve("inventory", category=self.categ_parent, channel=self.qbo_channel),
                         self.hold.qbo_id)
        # a category line covers its subcategories
        self.assertEqual(self._resolve("inventory", category=self.categ_child), self.hold.qbo_id)
        # two scopes beat one
        self._map("inventory", self.inventory_outlet, categ_id=self.categ_child.id,
                  team_id=self.qbo_channel.id)
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east, category=self.categ_child,
                                       channel=self.qbo_channel), self.inventory_outlet.qbo_id)

    def test_own_subcategory_line_beats_parent(self):
        shrinkage, adjustment = self.qbo_accounts["Shrinkage"], self.qbo_accounts["Inventory Adjustment"]
        self._map("cogs", shrinkage, categ_id=self.categ_parent.id)
        self._map("cogs", adjustment, categ_id=self.categ_child.id)
        self.assertEqual(self._resolve("cogs", category=self.categ_child), adjustment.qbo_id)
        self.assertEqual(self._resolve("cogs", category=self.categ_parent), shrinkage.qbo_id)

    def test_archived_line_is_not_used(self):
        line = self._map("inventory", self.in_transit, warehouse_id=self.warehouse_east.id)
        line.action_archive()
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east), self.inventory.qbo_id)
        self.qbo_mappings.filtered(lambda m: m.role == "shrinkage").action_archive()
        with self.assertRaises(MappingMissing):
            self._resolve("shrinkage")
        self.assertIn("Shrinkage", self.env["qbo.account.mapping"]._qbo_unmapped_roles(self.qbo_company))

    def test_same_scope_twice_is_refused(self):
        with self.assertRaises(ValidationError):
            self._map("inventory", self.hold)
        with self.assertRaises(ValidationError):
            self._map("inventory", self.hold, cost_type="freight")

    def test_account_type_is_checked(self):
        """An account that does not fit the role is refused, naming the role, the account and the types it takes
        (it used to be saved with a warning, and used)."""
        cases = [
            ("inventory", self.qbo_accounts["Sales of Product Income"],
             "Inventory takes an account of type Other Current Asset; Sales of Product Income is of type Income."),
            ("grni", self.inventory, "Inventory Received Not Billed (GRNI) takes an account of type Other Current "
             "Liability or Long Term Liability or Credit Card; Inventory Asset is of type Other Current Asset."),
            ("cogs", self.qbo_accounts["Inventory Received Not Billed"], "Cost of Goods Sold takes an account of "
             "type Cost of Goods Sold; Inventory Received Not Billed is of type Other Current Liability."),
            ("shrinkage", self.hold, "Shrinkage takes an account of type Cost of Goods Sold or Expense or Other "
             "Expense; Inventory – Quality Hold is of type Other Current Asset."),
        ]
        for role, account, message in cases:
            with self.subTest(role=role), self.assertRaises(ValidationError) as refused:
                self._map(role, account, warehouse_id=self.warehouse_east.id)
            self.assertIn(message, str(refused.exception))
        line = self._map("inventory", self.in_transit, warehouse_id=self.warehouse_east.id)
        with self.assertRaises(ValidationError):
            line.account_id = self.cogs
        self.assertEqual(line.account_id, self.in_transit, "the refused change is not kept")
        self.assertFalse(line.type_warning)
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east), self.in_transit.qbo_id)
        self.assertFalse(self.env["qbo.account.mapping"].search([("account_id", "=", self.qbo_accounts[
            "Sales of Product Income"].id)]), "nothing refused was saved")

    def test_inactive_account_is_refused(self):
        self.inventory_store.sudo().active = False
        with self.assertRaises(ValidationError) as refused:
            self._map("inventory", self.inventory_store, warehouse_id=self.warehouse_east.id)
        self.assertIn("Inventory: Inventory – Store is inactive or deleted in QuickBooks: choose another account "
                      "or reactivate it there.", str(refused.exception))
        # deactivated after it was mapped: the line stays and says so
        line = self._map("inventory", self.inventory_outlet, warehouse_id=self.warehouse_east.id)
        self.inventory_outlet.sudo().active = False
        self.assertIn("inactive or deleted in QuickBooks", line.type_warning)

    def test_dimensions(self):
        _mapping, dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(self.qbo_company)
        self.assertEqual(dimensions.class_for(str(self.qbo_channel.id)).value,
                         self.qbo_demo["classes"]["Wholesale"])
        self.assertEqual(dimensions.department_for(str(self.qbo_warehouse.id)).value,
                         self.qbo_demo["departments"]["Main Warehouse"])
        self.assertIsNone(dimensions.department_for(str(self.warehouse_east.id)))
        self.qbo_connection.require_department = True
        _mapping, dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(self.qbo_company)
        with self.assertRaises(Exception):
            dimensions.department_for(str(self.warehouse_east.id))

    def test_other_company_rows_are_ignored(self):
        company_b = self.env["res.company"].create({"name": "Mapping Company B"})
        mapping, _dimensions = self.env["qbo.account.mapping"]._qbo_engine_mapping(company_b)
        with self.assertRaises(MappingMissing):
            mapping.resolve("inventory")
