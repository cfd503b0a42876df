from odoo import api, models


class StockReportRatioMixin(models.AbstractModel):
    """Ratio measures of the SQL reports, right for every group of a list, pivot or graph.

    A ratio of sums is not a sum of ratios: a style's sell-through is not the sum (nor the average) of its
    variants' sell-throughs. Each ratio field names the two additive fields it divides; ``read_group`` asks
    PostgreSQL for their sums in the same grouped query and divides per group. A group whose denominator
    is zero gets no ratio (empty), never a division error.
    """

    _name = "stock.report.ratio.mixin"
    _description = "Report Ratio Measures"
    # {ratio field: (numerator field, denominator field, factor)}: ratio = factor * sum(num) / sum(den).
    _report_ratios = {}

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        asked = {spec.split(":")[0].strip() for spec in fields}
        ratios = {name: terms for name, terms in self._report_ratios.items() if name in asked}
        if not ratios:
            return super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby,
                                      lazy=lazy)
        # a ratio is not a column of the grouped query: sort by it after dividing
        ratio_order = None
        if orderby and orderby.split(",")[0].split()[0] in ratios:
            ratio_order, orderby = orderby.split(",")[0].split(), False
        fields = [spec for spec in fields if spec.split(":")[0].strip() not in ratios]
        for name, (numerator, denominator, _factor) in ratios.items():
            fields += [f"__{name}_num:sum({numerator})", f"__{name}_den:sum({denominator})"]
        groups = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby,
                                    lazy=lazy)
        for group in groups:
            for name, (_numerator, _denominator, factor) in ratios.items():
                num = group.pop(f"__{name}_num", 0.0) or 0.0
                den = group.pop(f"__{name}_den", 0.0) or 0.0
                group[name] = factor * num / den if den else False
        if ratio_order:
            name, descending = ratio_order[0], ratio_order[-1].lower() == "desc"
            # groups without a ratio (nothing to divide by) come last either way
            groups.sort(key=lambda g: (g[name] is False, -g[name] if descending and g[name] is not False
                                       else g[name] or 0))
        return groups
