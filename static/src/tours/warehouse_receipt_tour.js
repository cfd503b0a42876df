/** @odoo-module **/
import { registry } from "@web/core/registry";

// A warehouse user validates a pending receipt and sees each move's inventory state change
// from "ordered" (warning badge) to "available" (success badge). Steps trigger on field names
// and badge decorations, not on translated labels.
registry.category("web_tour.tours").add("stock_quickbooks_sync_warehouse_receipt", {
    steps: () => [
        {
            content: "The pending receipt shows its moves as ordered",
            trigger: ".o_form_view .o_field_widget[name=move_ids_without_package] .o_data_row td[name=inventory_state] .badge.text-bg-warning",
        },
        {
            content: "The transfer's own state badge says the same",
            trigger: ".o_form_view .oe_title .o_field_widget[name=inventory_state] .badge.text-bg-warning",
        },
        {
            content: "Validate the receipt",
            trigger: ".o_form_view .o_statusbar_buttons button[name=button_validate]",
            run: "click",
        },
        {
            content: "The receipt is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=done]",
        },
        {
            content: "Its moves are now available in stock",
            trigger: ".o_form_view .o_field_widget[name=move_ids_without_package] .o_data_row td[name=inventory_state] .badge.text-bg-success",
        },
        {
            content: "No move is left in a pending state",
            trigger: ".o_form_view .o_field_widget[name=move_ids_without_package]:not(:has(td[name=inventory_state] .badge.text-bg-warning))",
        },
        {
            content: "The transfer's badge is available too",
            trigger: ".o_form_view .oe_title .o_field_widget[name=inventory_state] .badge.text-bg-success",
        },
    ],
});
