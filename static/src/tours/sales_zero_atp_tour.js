/** @odoo-module **/
import { registry } from "@web/core/registry";

// A sales user opens a quotation whose warehouse holds none of the product (tests/test_tours.py):
// the line's Channel ATP badge reads 0.00 in red and the order says it is short.

registry.category("web_tour.tours").add("stock_quickbooks_sync_sales_zero_atp", {
    steps: () => [
        {
            content: "Zero shows, as a shortage",
            trigger: ".o_form_view .o_data_row td[name=channel_atp_label] .badge.text-bg-danger:contains(/^0.00$/)",
        },
        {
            content: "and the order warns",
            trigger: ".o_form_view div[name=channel_atp_alert]:contains(Tour Empty Store)",
        },
    ],
});
