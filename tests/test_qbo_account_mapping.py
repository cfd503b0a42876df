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
        self._map("inventory", self.cogs, team_id=self.qbo_channel.id)
        # company-wide
        self.assertEqual(self._resolve("inventory"), self.inventory.qbo_id)
        self.assertEqual(self._resolve("inventory", warehouse=self.qbo_warehouse), self.inventory.qbo_id)
        # one scope each
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east), self.in_transit.qbo_id)
        self.assertEqual(self._resolve("inventory", category=self.categ_parent), self.hold.qbo_id)
        self.assertEqual(self._resolve("inventory", channel=self.qbo_channel), self.cogs.qbo_id)
        # warehouse beats category beats channel
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east, category=self.categ_parent,
                                       channel=self.qbo_channel), self.in_transit.qbo_id)
        self.assertEqual(self._resolve("inventory", category=self.categ_parent, channel=self.qbo_channel),
                         self.hold.qbo_id)
        # a category line covers its subcategories
        self.assertEqual(self._resolve("inventory", category=self.categ_child), self.hold.qbo_id)
        # two scopes beat one
        self._map("inventory", self.qbo_accounts["Shrinkage"], categ_id=self.categ_child.id,
                  team_id=self.qbo_channel.id)
        self.assertEqual(self._resolve("inventory", warehouse=self.warehouse_east, category=self.categ_child,
                                       channel=self.qbo_channel), self.qbo_accounts["Shrinkage"].qbo_id)

    def test_own_subcategory_line_beats_parent(self):
        self._map("cogs", self.hold, categ_id=self.categ_parent.id)
        self._map("cogs", self.in_transit, categ_id=self.categ_child.id)
        self.assertEqual(self._resolve("cogs", category=self.categ_child), self.in_transit.qbo_id)
        self.assertEqual(self._resolve("cogs", category=self.categ_parent), self.hold.qbo_id)

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

    def test_account_type_warning(self):
        line = self._map("inventory", self.cogs, warehouse_id=self.warehouse_east.id)
        self.assertIn("Other Current Asset", line.type_warning)
        line.account_id = self.in_transit
        self.assertFalse(line.type_warning)
        grni = self._map("grni", self.inventory, warehouse_id=self.warehouse_east.id)
        self.assertIn("liability", grni.type_warning)
        cogs = self._map("cogs", self.qbo_accounts["Inventory Received Not Billed"],
                         warehouse_id=self.warehouse_east.id)
        self.assertIn("Cost of Goods Sold", cogs.type_warning)
        self.assertEqual(self._resolve("cogs", warehouse=self.warehouse_east),
                         self.qbo_accounts["Inventory Received Not Billed"].qbo_id, "a warning never blocks")

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
