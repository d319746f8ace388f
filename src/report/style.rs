//! The page's style sheet: a fixed-width column that fits a 1280 px screen, and print rules
//! for A4 and Letter.

/// The CSS inlined in every report.
pub const CSS: &str = r#"
:root{--ink:#1d1d1f;--muted:#5b6068;--line:#dcdde2;--pass:#1a7f37;--review:#9a6700;--fail:#c62828}
*{box-sizing:border-box}
html{background:#eef0f3}
body{margin:0;color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:1000px;max-width:100%;margin:0 auto;padding:28px 30px 56px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:34px 0 4px;padding-top:14px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:0 0 4px}
p{margin:6px 0}
.meta{color:var(--muted);font-size:13.5px;margin:0}
.intro{color:var(--muted);margin:0 0 14px}
.note{color:var(--muted);font-size:13.5px}
code{font-size:13px}
nav.toc{margin:14px 0 0;font-size:14px}
nav.toc a{color:#0b57d0;text-decoration:none;margin-right:14px;white-space:nowrap}
figure.chart{margin:0 0 20px;break-inside:avoid;page-break-inside:avoid;min-width:0}
figcaption{color:var(--muted);font-size:13.5px;margin-top:4px}
svg{display:block;width:100%;height:auto;font-family:inherit;overflow:visible}
svg text{font-family:inherit}
svg .tick{font-size:11px;fill:#5b6068}
svg .axis-title{font-size:12px;fill:#33363b}
svg .note{font-size:11px;fill:#33363b}
svg .value{font-size:11px;fill:#1d1d1f;font-weight:600}
svg .gridline{stroke:#e8e9ed;stroke-width:1}
svg .axis{stroke:#8a8d93;stroke-width:1}
ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 18px;padding:0;margin:6px 0 2px;font-size:13px}
ul.legend li{overflow-wrap:anywhere}
.key{display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:middle;background:var(--c)}
.key.band{opacity:.22}
.key.shade{opacity:.45}
.key.line{height:3px}
.key.dashed{height:0;background:none;border-top:2px dashed var(--c)}
.key.dot{width:8px;height:8px;border-radius:50%}
.key.ring{width:9px;height:9px;border-radius:50%;background:none;border:2px solid var(--c)}
.grid{display:grid;gap:8px 20px}
.cols-1{grid-template-columns:minmax(0,1fr)}
.cols-2{grid-template-columns:repeat(2,minmax(0,1fr))}
.cols-3{grid-template-columns:repeat(3,minmax(0,1fr))}
.grid figure.chart h3{font-size:14px}
.grid figcaption{font-size:12.5px}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0 18px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:break-word}
td:first-child{overflow-wrap:anywhere}
th{font-weight:600;border-bottom:2px solid var(--line)}
table.num td:not(:first-child),table.num th:not(:first-child){text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:600}
td.review{background:#fff3cd}
td.fail{background:#fde2e1}
.badge{display:inline-block;white-space:nowrap;min-width:62px;text-align:center;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.pass{background:var(--pass)}
.badge.review{background:var(--review)}
.badge.fail{background:var(--fail)}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;border-left:5px solid}
.banner.pass{background:#e8f5ea;border-color:var(--pass)}
.banner.review{background:#fff6dc;border-color:var(--review)}
.banner.fail{background:#fde7e6;border-color:var(--fail)}
footer{margin-top:36px;color:var(--muted);font-size:12.5px}
@page{margin:14mm}
@media print{
html{background:#fff}
body{font-size:10.5pt}
main{width:auto;padding:0}
nav.toc{display:none}
h2{break-after:avoid;page-break-after:avoid}
tr{break-inside:avoid}
.table-wrap{overflow:visible}
table{font-size:9pt}
table.num td:not(:first-child),table.num th:not(:first-child){white-space:normal}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;
