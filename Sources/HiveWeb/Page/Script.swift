extension Page {
    /// The page's script. It keeps the rows the server sends (`Messages`), draws
    /// the overview or one session from them, and turns buttons into POSTs to
    /// `/api/…` carrying the token. All text goes in through `textContent`; only
    /// the screen, which the server made HTML of, goes through `innerHTML`.
    static let script = ##"""
    "use strict";
    const token = document.querySelector('meta[name="hivefs-token"]').content;
    const $ = (id) => document.getElementById(id);
    const rows = new Map();          // name -> status object
    let watching = null;             // the session shown, or null
    let socket = null, backoff = 500, connected = false, loaded = false;
    const order = ["waiting", "failed", "down", "working", "starting", "idle", "paused", "new", "exited", "killed"];
    const live = new Set(["starting", "working", "waiting", "idle", "paused"]);
    // The states whose idle time is counted here: their terminal is quiet, so their
    // `activity` stands until their next event (a working one's moves without one).
    const quiet = new Set(["waiting", "idle", "paused"]);

    // ---- the connection ----
    function connect() {
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
      socket = new WebSocket(url);
      socket.onopen = () => { connected = true; backoff = 500; trouble(null); sendWatch(); };
      socket.onmessage = (e) => handle(JSON.parse(e.data));
      socket.onclose = () => {
        connected = false;
        trouble("The connection to hivefs web is lost; trying again…");
        // A server started again has a new token: this page's is refused, and says so.
        fetch("/api/status", { headers: { "X-Hivefs-Token": token } }).then((r) => {
          if (r.status === 401) trouble("hivefs web was started again, with a new access token: open the URL it printed (also in its state directory's web.url).");
        }, () => {});
        setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 8000);
      };
    }
    function sendWatch() {
      if (socket && connected) socket.send(JSON.stringify({ watch: watching }));
    }
    function handle(m) {
      if (m.t === "overview") {
        const before = new Map(rows);
        rows.clear();
        for (const s of m.sessions) rows.set(s.name, s);
        // The first overview tells of nothing new; one after a reconnection may.
        if (loaded) notifyChanges(before, m.sessions);
        loaded = true;
        trouble(m.trouble);
        drawOverview(true);
      } else if (m.t === "rows") {
        const before = new Map(rows);
        for (const s of m.sessions) rows.set(s.name, s);
        for (const g of m.gone) rows.delete(g);
        notifyChanges(before, m.sessions);
        drawOverview(false, m.sessions.map((s) => s.name).concat(m.gone));
      } else if (m.t === "detail" && m.name === watching) {
        drawDetail(m);
      } else if (m.t === "screen" && m.name === watching) {
        $("s-screen").innerHTML = m.screen;
      } else if (m.t === "trouble") {
        trouble(m.reason);
      }
      if (watching) drawHead();
    }
    function trouble(why) {
      $("trouble").hidden = !why;
      $("trouble").textContent = why || "";
    }

    // ---- the overview ----
    function rank(s) { const i = order.indexOf(s.state); return i < 0 ? order.length : i; }
    function sorted() {
      return [...rows.values()].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    function drawOverview(all, names) {
      const cards = $("cards");
      const list = sorted();
      const existing = new Map([...cards.children].map((c) => [c.dataset.name, c]));
      for (const [name, card] of existing) if (!rows.has(name)) card.remove();
      const redraw = all ? null : new Set(names);
      let prev = null;
      for (const s of list) {
        let card = existing.get(s.name);
        if (!card || !redraw || redraw.has(s.name)) {
          const fresh = makeCard(s);
          if (card) card.replaceWith(fresh);
          card = fresh;
        }
        const want = prev ? prev.nextSibling : cards.firstChild;
        if (want !== card) cards.insertBefore(card, want);
        prev = card;
      }
      $("empty").hidden = rows.size > 0;
      drawCounts(list);
      tickIdle();
    }
    function drawCounts(list) {
      const counts = new Map();
      let cost = 0;
      for (const s of list) {
        counts.set(s.state, (counts.get(s.state) || 0) + 1);
        if (typeof s["cost.usd"] === "number") cost += s["cost.usd"];
      }
      const box = $("counts");
      box.textContent = "";
      for (const st of order) {
        if (!counts.has(st)) continue;
        const span = el("span", "count st-" + st);
        span.dataset.state = st;
        span.append(el("b", null, String(counts.get(st))), " " + st);
        box.append(span);
      }
      $("total").textContent = "$" + cost.toFixed(2);
      document.title = (counts.get("waiting") ? "(" + counts.get("waiting") + " waiting) " : "") + "hivefs";
    }
    function el(tag, cls, text) {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined && text !== null) e.textContent = text;
      return e;
    }
    function doing(s) {
      if (s.state === "waiting" || s.state === "failed" || s.state === "down") return s.reason || "";
      if (s.tool) return "▸ " + s.tool;
      if (!live.has(s.state) && (s.reason || s.exit != null)) return s.reason || "exit " + s.exit;
      return s.message || "";
    }
    function makeCard(s) {
      const card = el("article", "card st-" + s.state);
      card.dataset.name = s.name;
      card.dataset.state = s.state;
      const top = el("div", "top");
      const h = el("h2");
      const a = el("a", null, s.name);
      a.href = "#/s/" + encodeURIComponent(s.name);
      h.append(a);
      const idle = el("span", "idle");
      idle.dataset.activity = s.activity || "";
      idle.dataset.live = quiet.has(s.state) ? "1" : "";
      top.append(h, el("span", "badge", s.state), idle);
      card.append(top, el("p", "doing", doing(s)));
      const meta = el("div", "meta");
      const add = (label, value) => { if (value !== null && value !== undefined && value !== "") meta.append(el("span", null, label + " " + value)); };
      add("agent", s.agent);
      if (s["tokens.input"] != null) add("tokens", fmtInt(s["tokens.input"] + (s["tokens.cache_read"] || 0) + (s["tokens.cache_write"] || 0)) + "↑ " + fmtInt(s["tokens.output"] || 0) + "↓");
      if (typeof s["cost.usd"] === "number") add("cost", "$" + s["cost.usd"].toFixed(2));
      add("branch", s.branch);
      if (s.changed != null) add("changed", s.changed);
      if (typeof s.cpu === "number") add("cpu", s.cpu.toFixed(1) + "%");
      if (typeof s.memory === "number") add("mem", fmtBytes(s.memory));
      card.append(meta);
      if (s.state === "waiting") {
        // The question's id, from the reason once it is read from the screen: an answer
        // names it, so a newer question is never answered unseen.
        const id = ((s.reason || "").match(/\(approve (\d+), deny \d+/) || [])[1];
        const b = el("div", "buttons");
        if (id) b.append(button("Approve", "primary", () => control(s.name, "approve " + id)),
                         button("Deny", null, () => control(s.name, "deny " + id)));
        b.append(button("Open", null, () => { location.hash = "#/s/" + encodeURIComponent(s.name); }));
        card.append(b);
      }
      return card;
    }
    function button(text, cls, onclick) {
      const b = el("button", cls, text);
      b.type = "button";
      b.onclick = onclick;
      return b;
    }
    function fmtInt(n) {
      if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
      if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
      return String(n);
    }
    function fmtBytes(n) {
      if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + " GiB";
      if (n >= 1 << 20) return (n / (1 << 20)).toFixed(0) + " MiB";
      return (n / 1024).toFixed(0) + " KiB";
    }
    function fmtAge(ms) {
      const s = Math.max(0, Math.floor(ms / 1000));
      if (s < 60) return s + "s";
      if (s < 3600) return Math.floor(s / 60) + "m";
      if (s < 86400) return Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0");
      return Math.floor(s / 86400) + "d";
    }
    // Idle time is counted here from `activity`: the server sends nothing for a tick.
    function tickIdle() {
      const now = Date.now();
      for (const e of document.querySelectorAll(".idle[data-activity]")) {
        const t = Date.parse(e.dataset.activity);
        const text = e.dataset.live && !isNaN(t) ? "idle " + fmtAge(now - t) : "";
        if (e.textContent !== text) e.textContent = text;
      }
    }
    setInterval(tickIdle, 1000);

    // ---- notifications ----
    function notifyChanges(before, changed) {
      if (!("Notification" in window) || Notification.permission !== "granted") return;
      for (const s of changed) {
        const old = before.get(s.name);
        if (old && old.state === s.state) continue;
        if (s.state === "waiting" || s.state === "failed") {
          new Notification(s.name + " is " + s.state, { body: s.reason || "", tag: "hivefs-" + s.name });
        }
      }
    }
    function setupNotify() {
      if (!("Notification" in window) || Notification.permission !== "default") return;
      const b = $("notify");
      b.hidden = false;
      b.onclick = () => Notification.requestPermission().then(() => { b.hidden = Notification.permission === "default"; });
    }

    // ---- one session ----
    function route() {
      const m = location.hash.match(/^#\/s\/(.+)$/);
      try { watching = m ? decodeURIComponent(m[1]) : null; } catch (e) { watching = null; }
      $("overview").hidden = !!watching;
      $("session").hidden = !watching;
      if (watching) {
        for (const id of ["s-screen", "s-events", "s-files", "s-git", "s-summary", "s-facts"]) $(id).textContent = "";
        $("s-permission").hidden = true;
        $("s-summary-box").hidden = true;
        drawHead();
        window.scrollTo(0, 0);
      }
      sendWatch();
    }
    function drawHead() {
      const s = rows.get(watching) || { name: watching, state: "gone" };
      $("s-name").textContent = s.name;
      $("s-state").textContent = s.state;
      $("s-state").className = "badge st-" + s.state;
      const idle = $("s-idle");
      idle.dataset.activity = s.activity || "";
      idle.dataset.live = quiet.has(s.state) ? "1" : "";
      $("s-doing").textContent = doing(s);
      const facts = $("s-facts");
      facts.textContent = "";
      const keys = ["agent", "model", "dir", "branch", "worktree", "changed", "tokens.input", "tokens.output",
                    "tokens.cache_read", "tokens.cache_write", "cost.usd", "cpu", "memory", "pid", "started",
                    "ended", "exit", "attach"];
      for (const k of keys) {
        if (s[k] === null || s[k] === undefined) continue;
        let v = s[k];
        if (k === "memory") v = fmtBytes(v);
        else if (k === "cpu") v = v.toFixed(1) + "%";
        else if (k === "cost.usd") v = "$" + v.toFixed(4);
        facts.append(el("dt", null, k), el("dd", null, String(v)));
      }
      tickIdle();
    }
    function drawDetail(m) {
      const list = $("s-events");
      if (m.reset) list.textContent = "";
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      for (const e of m.events) {
        const li = el("li");
        li.append(el("span", "t", (e.time || "").slice(11, 19)), el("span", "k", e.kind || ""), " " + (e.detail || ""));
        list.append(li);
      }
      while (list.children.length > 500) list.firstChild.remove();
      if (atBottom || m.reset) list.scrollTop = list.scrollHeight;
      if (m.screen !== null) $("s-screen").innerHTML = m.screen;
      $("s-files").textContent = m.files || "";
      $("s-git").textContent = m.git || "";
      $("s-summary-box").hidden = !m.summary;
      $("s-summary").textContent = m.summary || "";
      drawPermission(m.permission);
    }
    function drawPermission(p) {
      const box = $("s-permission");
      box.hidden = !p;
      if (!p) return;
      $("s-question").textContent = [p.tool, p.subject].filter(Boolean).join(" ") + (p.question ? "\n" + p.question : "");
      const opts = $("s-options");
      opts.textContent = "";
      if (p.approve != null) opts.append(button("Approve", "primary", () => control(watching, "approve " + p.id)));
      if (p.deny != null) opts.append(button("Deny", null, () => control(watching, "deny " + p.id)));
      (p.options || []).forEach((o, i) => {
        const n = typeof o === "object" && o !== null ? (o.number || i + 1) : i + 1;
        const label = typeof o === "object" && o !== null ? (o.label || String(n)) : String(o);
        opts.append(button(n + ". " + label, null, () => control(watching, "answer " + p.id + " " + n)));
      });
    }

    // ---- changes ----
    async function post(path, body) {
      const r = await fetch(path, { method: "POST", headers: { "X-Hivefs-Token": token, "Content-Type": "text/plain" }, body });
      let answer = {};
      try { answer = await r.json(); } catch (e) { answer = { reason: "HTTP " + r.status }; }
      if (!r.ok) throw answer;
      return answer;
    }
    function refusal(e) {
      return e && e.errno ? e.errno + " (" + e.code + "): " + e.reason : String((e && e.reason) || e);
    }
    function flash(text) {
      const f = $("flash");
      f.textContent = text;
      f.hidden = false;
      clearTimeout(flash.timer);
      flash.timer = setTimeout(() => { f.hidden = true; }, 10000);
    }
    async function control(name, line) {
      try {
        await post("/api/control?name=" + encodeURIComponent(name), line);
        $("flash").hidden = true;
        return true;
      } catch (e) {
        flash(name + ": " + line.split(" ")[0] + " refused: " + refusal(e));
        return false;
      }
    }
    function confirmThen(text, then) {
      const d = $("confirm");
      $("confirm-text").textContent = text;
      d.returnValue = "";
      d.onclose = () => { if (d.returnValue === "yes") then(); };
      d.showModal();
    }
    $("s-actions").onclick = (e) => {
      const verb = e.target.dataset && e.target.dataset.verb;
      if (!verb || !watching) return;
      const name = watching;
      if (verb === "kill") confirmThen("Kill " + name + "? Every process of the session ends.", () => control(name, "kill"));
      else if (verb === "remove") confirmThen("Remove " + name + "? It moves to history.", async () => {
        try { await post("/api/remove?name=" + encodeURIComponent(name), ""); location.hash = "#"; }
        catch (err) { flash(name + ": remove refused: " + refusal(err)); }
      });
      else control(name, verb);
    };
    $("s-send").onsubmit = async (e) => {
      e.preventDefault();
      const input = $("s-prompt");
      const text = input.value.trim();
      if (!text || !watching) return;
      if (await control(watching, "send " + text)) input.value = "";
    };
    $("new-open").onclick = () => { $("new-error").hidden = true; $("new-dialog").showModal(); };
    $("new-cancel").onclick = () => $("new-dialog").close();
    $("new-form").onsubmit = async (e) => {
      e.preventDefault();
      const f = e.target;
      const fields = { name: f.name.value.trim(), agent: f.agent.value, dir: f.dir.value.trim(), prompt: f.prompt.value,
                       worktree: f.worktree.checked ? "yes" : "no" };
      try {
        await post("/api/new", JSON.stringify(fields));
        $("new-dialog").close();
        f.reset();
        location.hash = "#/s/" + encodeURIComponent(fields.name);
      } catch (err) {
        $("new-error").textContent = refusal(err);
        $("new-error").hidden = false;
      }
    };

    window.addEventListener("hashchange", route);
    setupNotify();
    route();
    connect();
    """##
}
