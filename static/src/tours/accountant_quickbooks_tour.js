/** @odoo-module **/
import { registry } from "@web/core/registry";

// The accountant's day in two parts. Sending to QuickBooks happens in the posting cron after
// the request commits, never inside it, so the test drives the cron between the two parts.
// Steps trigger on field, button and menu names and on badge decorations, not on labels.

// The dashboard card's figure buttons, in the order the card shows them.
const FIGURES = ["to_post", "failed", "blocked", "posted_today"];
const figureButton = (figure) =>
    `.o_kanban_record button[name=action_dashboard_open_postings]:eq(${FIGURES.indexOf(figure)})`;

// Part 1: from the dashboard, preview the entry waiting to go and ask to post it now.
registry.category("web_tour.tours").add("stock_quickbooks_sync_accountant_post", {
    steps: () => [
        {
            content: "The dashboard card of the connected company",
            trigger: ".o_kanban_view .o_kanban_record .o_field_widget[name=state] .badge.text-bg-success",
        },
        {
            content: "Open what waits to be posted",
            trigger: figureButton("to_post"),
            run: "click",
        },
        {
            content: "Open the waiting posting",
            trigger: ".o_list_view .o_data_row td[name=reference]",
            run: "click",
        },
        {
            content: "Preview the journal entry without sending it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview fixed the entry's DocNumber",
            trigger: ".o_form_view .oe_title .o_field_widget[name=doc_number] span:not(:empty)",
        },
        {
            content: "The entry's debit and credit lines, each with its source",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_data_row:eq(1) td[name=role]",
        },
        {
            content: "Post it now",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post_now]",
            run: "click",
        },
        {
            content: "Queued: the posting cron sends it after this request commits",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=to_post]",
        },
    ],
});

// Part 2: the entry went out; approve the re-date of the one QuickBooks refused for a closed
// period, then open a reconciliation finding.
registry.category("web_tour.tours").add("stock_quickbooks_sync_accountant_redate", {
    steps: () => [
        {
            content: "Posted today counts the entry the cron sent",
            trigger: `${figureButton("posted_today")} .fs-3:contains(/^1$/)`,
        },
        {
            content: "Open the blocked postings",
            trigger: figureButton("blocked"),
            run: "click",
        },
        {
            content: "Open the posting refused for a closed period",
            trigger: ".o_list_view .o_data_row td[name=state] .badge.text-bg-danger",
            run: "click",
        },
        {
            content: "The form says up to when QuickBooks is closed",
            trigger: ".o_form_view .alert-danger .o_field_widget[name=proposed_date]",
        },
        {
            content: "Approve the re-date",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_redate_wizard]",
            run: "click",
        },
        {
            content: "The wizard proposes the first open date",
            trigger: ".modal .o_field_widget[name=new_date] input:not(:value(''))",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Period closed by the controller: book on the first open day",
        },
        {
            content: "Approve",
            trigger: ".modal .modal-footer button[name=action_approve]",
            run: "click",
        },
        {
            content: "The posting is queued again",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=to_post]",
        },
        {
            content: "Open the QuickBooks reconciliation menu",
            trigger: ".o_main_navbar .o_menu_sections button[data-menu-xmlid='stock_quickbooks_sync.menu_qbo_reconciliation_root']",
            run: "click",
        },
        {
            content: "Open the findings",
            trigger: ".dropdown-menu a[data-menu-xmlid='stock_quickbooks_sync.menu_qbo_reconciliation_line']",
            run: "click",
        },
        {
            content: "Open the entry typed by hand in a synced account",
            trigger: ".o_list_view .o_data_row td[name=kind] .badge.text-bg-danger",
            run: "click",
        },
        {
            content: "The finding explains itself",
            trigger: ".o_form_view .o_field_widget[name=explanation]:not(:empty)",
        },
        {
            content: "and can be accepted with a reason",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_open_accept_wizard]",
        },
    ],
});
