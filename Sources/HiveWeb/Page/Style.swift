extension Page {
    /// The style sheet: one column of cards on a phone, a grid on a wide screen,
    /// never wider than the window; the terminal's sixteen colours (`TerminalHTML`).
    static let style = #"""
    :root { --bg:#101418; --panel:#182028; --line:#2a3440; --fg:#e4e8ec; --dim:#8a96a3;
      --working:#3b82f6; --waiting:#f59e0b; --idle:#22c55e; --paused:#a78bfa; --failed:#ef4444;
      --ended:#6b7280; --new:#94a3b8; color-scheme: dark; }
    * { box-sizing: border-box; }
    html, body { margin:0; background:var(--bg); color:var(--fg);
      font:15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    body { overflow-x:hidden; }
    a { color:inherit; }
    button { font:inherit; color:var(--fg); background:#263241; border:1px solid var(--line);
      border-radius:6px; padding:6px 12px; cursor:pointer; }
    button:hover { background:#2f3d4f; }
    button.danger { border-color:#7f1d1d; background:#3a1616; }
    button.primary { border-color:#92400e; background:#4a2a05; }
    input, select { font:inherit; color:var(--fg); background:#0b0f13; border:1px solid var(--line);
      border-radius:6px; padding:7px 9px; min-width:0; }
    #bar { position:sticky; top:0; z-index:2; display:flex; flex-wrap:wrap; align-items:center; gap:8px 14px;
      padding:10px 14px; background:#0b0f13; border-bottom:1px solid var(--line); }
    #home { font-weight:700; text-decoration:none; font-size:17px; }
    #counts { display:flex; flex-wrap:wrap; gap:4px 10px; color:var(--dim); }
    #counts b { color:var(--fg); }
    #total { color:var(--dim); }
    .grow { flex:1; }
    #trouble { background:#3a1616; border-bottom:1px solid #7f1d1d; padding:8px 14px; }
    #flash { background:#3a2a05; border-bottom:1px solid #92400e; padding:8px 14px; white-space:pre-wrap;
      overflow-wrap:anywhere; }
    main { padding:12px; max-width:1800px; margin:0 auto; }
    #cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(min(100%, 340px), 1fr)); gap:10px; }
    .card { background:var(--panel); border:1px solid var(--line); border-left:5px solid var(--new);
      border-radius:8px; padding:10px 12px; min-width:0; }
    .card h2 { margin:0; font-size:16px; overflow-wrap:anywhere; }
    .card h2 a { text-decoration:none; }
    .card .top { display:flex; align-items:baseline; gap:8px; flex-wrap:wrap; }
    .doing { margin:6px 0; color:var(--fg); overflow-wrap:anywhere; white-space:pre-wrap; }
    .meta { display:flex; flex-wrap:wrap; gap:2px 12px; color:var(--dim); font-size:13px; }
    .meta span { white-space:nowrap; }
    .badge { font-size:12px; font-weight:700; text-transform:uppercase; letter-spacing:.04em;
      padding:1px 7px; border-radius:10px; background:var(--new); color:#0b0f13; }
    .idle { color:var(--dim); font-size:13px; }
    .buttons { display:flex; flex-wrap:wrap; gap:6px; margin:8px 0; }
    .st-working { border-left-color:var(--working); } .st-working .badge, .badge.st-working { background:var(--working); }
    .st-starting { border-left-color:var(--working); } .st-starting .badge, .badge.st-starting { background:var(--working); }
    .st-waiting { border-left-color:var(--waiting); } .st-waiting .badge, .badge.st-waiting { background:var(--waiting); }
    .st-idle { border-left-color:var(--idle); } .st-idle .badge, .badge.st-idle { background:var(--idle); }
    .st-paused { border-left-color:var(--paused); } .st-paused .badge, .badge.st-paused { background:var(--paused); }
    .st-failed, .st-down { border-left-color:var(--failed); }
    .st-failed .badge, .badge.st-failed, .st-down .badge, .badge.st-down { background:var(--failed); }
    .st-exited, .st-killed { border-left-color:var(--ended); }
    .st-exited .badge, .badge.st-exited, .st-killed .badge, .badge.st-killed { background:var(--ended); color:var(--fg); }
    #s-head { display:flex; flex-wrap:wrap; align-items:baseline; gap:6px 12px; }
    #s-head h2 { margin:0; overflow-wrap:anywhere; }
    #back { color:var(--dim); width:100%; }
    .permission { background:#3a2a05; border:1px solid #92400e; border-radius:8px; padding:8px 12px; margin:8px 0; }
    .permission p { margin:0 0 6px; white-space:pre-wrap; overflow-wrap:anywhere; }
    .send { display:flex; gap:6px; margin:8px 0; }
    .send input { flex:1; }
    .facts { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; font-size:13px; margin:8px 0; }
    .facts dt { color:var(--dim); } .facts dd { margin:0; overflow-wrap:anywhere; }
    section h3 { font-size:14px; color:var(--dim); margin:16px 0 6px; text-transform:uppercase; letter-spacing:.05em; }
    pre { background:#0b0f13; border:1px solid var(--line); border-radius:6px; padding:8px; margin:0;
      overflow-x:auto; max-width:100%; font:12.5px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; white-space:pre; }
    #s-files, #s-git, #s-summary { white-space:pre-wrap; overflow-wrap:anywhere; }
    .events { list-style:none; padding:0; margin:0; max-height:60vh; overflow-y:auto;
      font:12.5px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
    .events li { padding:2px 0; border-bottom:1px solid #1c252f; overflow-wrap:anywhere; }
    .events .k { font-weight:700; } .events .t { color:var(--dim); margin-right:6px; }
    dialog { background:var(--panel); color:var(--fg); border:1px solid var(--line); border-radius:10px;
      width:min(94vw, 480px); }
    dialog::backdrop { background:rgba(0,0,0,.6); }
    dialog label { display:flex; flex-direction:column; gap:3px; margin:8px 0; }
    dialog label.check { flex-direction:row; align-items:center; gap:8px; }
    .error { color:#fca5a5; white-space:pre-wrap; overflow-wrap:anywhere; }
    .term .f0{color:#1e1e1e}.term .f1{color:#e06c75}.term .f2{color:#98c379}.term .f3{color:#e5c07b}
    .term .f4{color:#61afef}.term .f5{color:#c678dd}.term .f6{color:#56b6c2}.term .f7{color:#d4d4d4}
    .term .f8{color:#7f848e}.term .f9{color:#ff7b86}.term .f10{color:#b5e890}.term .f11{color:#ffd68a}
    .term .f12{color:#82c4ff}.term .f13{color:#e19ef5}.term .f14{color:#7fd6e0}.term .f15{color:#ffffff}
    .term .b0{background:#1e1e1e}.term .b1{background:#e06c75}.term .b2{background:#98c379}.term .b3{background:#e5c07b}
    .term .b4{background:#61afef}.term .b5{background:#c678dd}.term .b6{background:#56b6c2}.term .b7{background:#d4d4d4}
    .term .b8{background:#7f848e}.term .b9{background:#ff7b86}.term .b10{background:#b5e890}.term .b11{background:#ffd68a}
    .term .b12{background:#82c4ff}.term .b13{background:#e19ef5}.term .b14{background:#7fd6e0}.term .b15{background:#ffffff}
    .term .fr{color:#0b0f13}.term .br{background:var(--fg)}
    .term .tb{font-weight:700}.term .td{opacity:.6}.term .ti{font-style:italic}.term .tu{text-decoration:underline}
    .term .ts{text-decoration:line-through}
    @media (max-width: 480px) { main { padding:8px; } #bar { padding:8px 10px; } }
    """#
}
