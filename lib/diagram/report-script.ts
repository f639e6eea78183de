// The report page's one inline script, plain browser JavaScript in a string (nothing to build, nothing
// fetched). It reads the embedded JSON (report-data.ts) and ties each request's branch selector, hop
// list and picture together through the drawings' data-hop tokens (`K:I`, `K:rI`; path.ts), runs
// the search box over the pictures and the hops, and the light/dark toggle (kept in the page only:
// nothing is stored).
export const REPORT_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kubehop-data").textContent);
  // Hops come packed, their strings by number (report-data.ts PackedHop); unpacked once here.
  var str = data.strings;
  data.hops = data.hops.map(function (h) {
    return {
      location: str[h[0]], packet: str[h[1]], change: str[h[2]], decides: h[3], failed: h[4] === 1,
      segment: h[5] || undefined,
      steps: h[6].map(function (s) {
        return { type: str[s[0]], action: str[s[1]], reason: str[s[2]], rule: str[s[3]], changes: str[s[4]] };
      }),
    };
  });
  var root = document.documentElement;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function tokensOf(e) { return (e.getAttribute("data-hop") || "").split(" ").filter(Boolean); }
  function inBranch(e, k) {
    var b = (e.getAttribute("data-branch") || "").split(" ");
    return b.indexOf(String(k)) >= 0 || tokensOf(e).some(function (t) { return t.split(":")[0] === String(k); });
  }
  function hopText(h) {
    return [h.location, h.packet || "", h.change || ""].concat(h.steps.map(function (s) {
      return [s.action, s.reason, s.rule || "", s.changes || ""].join(" ");
    })).join(" ").toLowerCase();
  }

  // One request's section: the branch selector, the hop list, the picture.
  function Request(section, req) {
    this.section = section;
    this.req = req;
    this.svg = section.querySelector("svg");
    this.list = section.querySelector(".hop-list");
    this.end = section.querySelector(".branch-end");
    this.select = section.querySelector("select.branch");
    this.k = 1;
    var self = this;
    this.select.addEventListener("change", function () { self.show(Number(self.select.value)); });
    this.svg.addEventListener("mouseover", function (e) { self.point(e.target.closest("[data-hop]")); });
    this.svg.addEventListener("mouseout", function () { self.point(null); });
    this.svg.addEventListener("click", function (e) { self.clickPicture(e.target.closest("[data-hop]")); });
  }
  Request.prototype.marks = function (token) {
    return Array.prototype.filter.call(this.svg.querySelectorAll("[data-hop]"), function (e) {
      return tokensOf(e).indexOf(token) >= 0;
    });
  };
  Request.prototype.items = function () { return Array.prototype.slice.call(this.list.querySelectorAll(".hop")); };
  Request.prototype.show = function (k) {
    var b = this.req.branches[k - 1];
    this.k = k;
    this.select.value = String(k);
    this.svg.querySelectorAll(".overlay [data-hop], .overlay [data-branch]").forEach(function (e) {
      e.classList.toggle("dim", !inBranch(e, k));
    });
    this.svg.querySelectorAll(".hl").forEach(function (e) { e.classList.remove("hl"); });
    this.end.textContent = "";
    var head = el("span", b.ok ? "ok" : "fail", b.disposition + ": ");
    this.end.append(head, b.reason + (b.rule ? " [" + b.rule + "]" : ""));
    if (b.choices.length) this.end.append(el("div", "muted", "because " + b.choices.join("; ")));
    if (b.http) this.end.append(el("div", "muted", b.http));
    this.list.textContent = "";
    this.leg(b, "", k);
    if (b.reply) {
      var r = b.reply;
      var li = el("li", "leg-head", "reply " + r.disposition + ": " + r.reason);
      li.classList.add(r.ok ? "ok" : "fail");
      this.list.append(li);
      this.leg(r, "r", k);
    }
    this.list.setAttribute("aria-label", "Hops of branch " + k);
    if (search.query) search.markHops(this);
  };
  Request.prototype.leg = function (leg, prefix, k) {
    var self = this;
    var segment;
    leg.hops.forEach(function (index, i) {
      var h = data.hops[index];
      if (h.segment !== undefined && h.segment !== segment) {
        self.list.append(el("li", "leg-head", "connection " + h.segment));
        segment = h.segment;
      }
      self.list.append(self.item(h, k + ":" + prefix + (i + 1), prefix + (i + 1)));
    });
  };
  Request.prototype.item = function (h, token, number) {
    var self = this;
    var s = h.steps[h.decides];
    var li = el("li", "hop");
    li.tabIndex = 0;
    li.dataset.hop = token;
    li.setAttribute("role", "button");
    li.setAttribute("aria-expanded", "false");
    var more = h.steps.length > 1 ? " +" + (h.steps.length - 1) : "";
    li.append(el("span", "hop-n", number), el("span", "hop-place", h.location));
    if (s) li.append(el("span", "hop-act" + (h.failed ? " fail" : ""), s.action + more));
    if (h.change) li.append(el("span", "hop-act", h.change));
    if (s) li.append(el("div", "hop-why", s.reason + (s.rule ? " [" + s.rule + "]" : "")));
    li.hopData = h;
    li.addEventListener("mouseenter", function () { self.highlight(token, "pointed"); });
    li.addEventListener("mouseleave", function () { self.highlight(null, "pointed"); });
    li.addEventListener("focus", function () { self.highlight(token, "pointed"); });
    li.addEventListener("blur", function () { self.highlight(null, "pointed"); });
    li.addEventListener("click", function () { self.choose(token); });
    li.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); self.choose(token); }
      var step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
      var items = self.items();
      var next = items[items.indexOf(li) + step];
      if (step && next) { e.preventDefault(); next.focus(); }
    });
    return li;
  };
  Request.prototype.highlight = function (tokens, cls) {
    var self = this;
    this.svg.querySelectorAll("." + cls).forEach(function (e) { e.classList.remove(cls); });
    [].concat(tokens || []).forEach(function (t) {
      self.marks(t).forEach(function (e) { e.classList.add(cls); });
    });
  };
  // Chooses a hop: marked on the picture (scrolled into the figure's view), its steps shown in the list.
  Request.prototype.choose = function (token) {
    var k = Number(token.split(":")[0]);
    if (k !== this.k) this.show(k);
    this.highlight(token, "hl");
    this.items().forEach(function (li) {
      var on = li.dataset.hop === token;
      li.classList.toggle("selected", on);
      li.setAttribute("aria-expanded", String(on));
      var open = li.querySelector(".hop-steps");
      if (open && !on) open.remove();
      if (on && !open) li.append(steps(li.hopData));
      if (on) li.scrollIntoView({ block: "nearest" });
    });
    var mark = this.marks(token)[0];
    if (mark) reveal(this.svg.closest(".figure"), mark);
  };
  Request.prototype.point = function (mark) {
    var k = String(this.k);
    var mine = mark ? tokensOf(mark).filter(function (t) { return t.split(":")[0] === k; }) : [];
    this.items().forEach(function (li) { li.classList.toggle("pointed", mine.indexOf(li.dataset.hop) >= 0); });
    this.highlight(mine, "pointed");
  };
  Request.prototype.clickPicture = function (mark) {
    if (!mark) return;
    var k = String(this.k);
    var all = tokensOf(mark);
    var mine = all.filter(function (t) { return t.split(":")[0] === k; });
    if (mine.length || all.length) this.choose(mine[0] || all[0]);
  };

  function steps(h) {
    var box = el("div", "hop-steps");
    if (h.packet) box.append(el("div", "changes", "arrived as " + h.packet));
    var ol = el("ol");
    h.steps.forEach(function (s, j) {
      var li = el("li", j === h.decides ? "decides" : "", s.action + " (" + s.type + ") " + s.reason);
      if (s.rule) li.append(" ", el("span", "rule", "[" + s.rule + "]"));
      if (s.changes) li.append(" ", el("span", "changes", "{" + s.changes + "}"));
      if (j === h.decides) li.title = "the step that decided this hop";
      ol.append(li);
    });
    box.append(ol);
    return box;
  }

  // Scrolls the figure, and only the figure, so that the mark is in view.
  function reveal(figure, mark) {
    var f = figure.getBoundingClientRect();
    var m = mark.getBoundingClientRect();
    if (m.left < f.left || m.right > f.right) figure.scrollLeft += m.left - f.left - (f.width - m.width) / 2;
    if (m.top < f.top || m.bottom > f.bottom) figure.scrollTop += m.top - f.top - (f.height - m.height) / 2;
  }

  var requests = data.requests.map(function (req) {
    return new Request(document.getElementById(req.id), req);
  });

  var search = {
    query: "",
    input: document.getElementById("search"),
    status: document.getElementById("search-status"),
    results: document.getElementById("search-results"),
    clear: function () {
      document.querySelectorAll(".found").forEach(function (e) { e.classList.remove("found"); });
      this.status.textContent = "";
      this.status.className = "";
      this.results.textContent = "";
    },
    pictureMatches: function (q) {
      var found = [];
      document.querySelectorAll("svg.kubehop").forEach(function (svg) {
        svg.querySelectorAll("text, rect, path").forEach(function (e) {
          var title = e.tagName === "text" ? e.textContent : (e.querySelector("title") || {}).textContent || "";
          var attrs = ["data-place", "data-service", "data-node"].map(function (a) { return e.getAttribute(a) || ""; });
          if ([title].concat(attrs).join(" ").toLowerCase().indexOf(q) >= 0) found.push(e);
        });
      });
      return found;
    },
    markHops: function (r) {
      var q = this.query;
      r.items().forEach(function (li) { li.classList.toggle("found", hopText(li.hopData).indexOf(q) >= 0); });
    },
    run: function (text) {
      this.clear();
      var q = text.trim().toLowerCase();
      this.query = q;
      if (!q) return;
      var marks = this.pictureMatches(q);
      marks.forEach(function (e) { e.classList.add("found"); });
      var hits = [];
      requests.forEach(function (r) {
        r.req.branches.forEach(function (b, i) {
          [["", b], ["r", b.reply]].forEach(function (leg) {
            if (!leg[1]) return;
            leg[1].hops.forEach(function (index, j) {
              if (hopText(data.hops[index]).indexOf(q) >= 0)
                hits.push({ r: r, token: i + 1 + ":" + leg[0] + (j + 1), hop: data.hops[index] });
            });
          });
        });
        search.markHops(r);
      });
      if (!marks.length && !hits.length) {
        this.status.textContent = "no match for \u201c" + text.trim() + "\u201d";
        this.status.className = "none";
        return;
      }
      this.status.textContent = marks.length + " matches in the pictures, " + hits.length + " hops";
      hits.slice(0, 40).forEach(function (hit) {
        var b = el("button", "", hit.r.req.command + " \u00b7 branch " + hit.token.replace(":", " hop ") +
          " \u00b7 " + hit.hop.location);
        b.type = "button";
        b.addEventListener("click", function () { hit.r.choose(hit.token); hit.r.section.scrollIntoView(); });
        var li = el("li");
        li.append(b);
        search.results.append(li);
      });
      if (hits.length > 40) search.results.append(el("li", "muted", (hits.length - 40) + " more hops"));
      // To the first match: on a picture, else the first hop that matches, chosen in its request.
      if (marks.length) marks[0].scrollIntoView({ block: "center", inline: "center" });
      else {
        hits[0].r.choose(hits[0].token);
        hits[0].r.section.scrollIntoView();
      }
    },
  };
  document.getElementById("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    search.run(search.input.value);
  });
  search.input.addEventListener("search", function () { search.run(search.input.value); });

  var toggle = document.getElementById("theme");
  var media = window.matchMedia("(prefers-color-scheme: dark)");
  function dark() { return root.dataset.theme ? root.dataset.theme === "dark" : media.matches; }
  function label() { toggle.setAttribute("aria-pressed", String(dark())); }
  toggle.addEventListener("click", function () {
    root.dataset.theme = dark() ? "light" : "dark";
    label();
  });
  media.addEventListener("change", label);
  label();

  requests.forEach(function (r) { r.show(1); });
})();
`;
