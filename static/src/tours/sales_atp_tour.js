/** @odoo-module **/
import { registry } from "@web/core/registry";

// A sales user opens a product and reads what each sales channel may still promise. The test
// (tests/test_tours.py) stocks 100 units in "Tour Warehouse", keeps 10 as safety stock and
// allocates 30 units to "Tour Wholesale" and 20 % of the free stock to "Tour E-commerce":
// free 90; Tour Wholesale may promise 90 − 18 = 72, Tour E-commerce 90 − 30 = 60.
// Steps trigger on field names and on the test's own record names, not on translated labels.

const channelRow = (channel) => `.o_list_view .o_data_row:has(td[name=row_label]:contains(${channel}))`;

registry.category("web_tour.tours").add("stock_quickbooks_sync_sales_atp", {
    steps: () => [
        {
            content: "The product's available to promise, all channels together",
            trigger: ".o_form_view button[name=action_open_atp_by_channel] .o_stat_value:contains(/^90.00$/)",
        },
        {
            content: "Open it per channel",
            trigger: ".o_form_view button[name=action_open_atp_by_channel]",
            run: "click",
        },
        {
            content: "Unfold the warehouse holding the stock",
            trigger: ".o_list_view .o_group_header:contains(Tour Warehouse)",
            run: "click",
        },
        {
            content: "The warehouse's total counts its stock once",
            trigger: `${channelRow("Total of Tour Warehouse")} td[name=on_hand]:contains(/^100.00$/)`,
        },
        {
            content: "and its group adds up no channel's rows",
            trigger: ".o_list_view .o_group_header:contains(Tour Warehouse):not(:contains(300.00))",
        },
        {
            content: "Wholesale may promise what E-commerce's allocation leaves",
            trigger: `${channelRow("Tour Wholesale")} td[name=atp]:contains(/^72.00$/)`,
        },
        {
            content: "E-commerce may promise what Wholesale's allocation leaves",
            trigger: `${channelRow("Tour E-commerce")} td[name=atp]:contains(/^60.00$/)`,
        },
        {
            content: "Each row shows the other channels' allocations it leaves out",
            trigger: `${channelRow("Tour E-commerce")} td[name=allocated_others]:contains(/^30.00$/)`,
        },
    ],
});
