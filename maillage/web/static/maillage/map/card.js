// The card of one structure, rendered by the server (map:card) and shown over the map.

import { t, url } from "maillage-map/config.js";

export class Card {
  constructor(panel, { onClose }) {
    this.panel = panel;
    this.body = panel.querySelector("[data-card-body]");
    this.uid = "";
    this.returnFocus = null;
    this.onClose = onClose;
    panel.querySelector("[data-card-close]").addEventListener("click", () => this.onClose());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.onClose();
    });
  }

  /** Show the card of `uid`; focus moves to it when `focus` (the user asked for it). */
  async open(uid, { focus = false, returnFocus = null } = {}) {
    if (returnFocus) this.returnFocus = returnFocus;
    if (uid === this.uid && !this.panel.hidden) {
      if (focus) this.focus();
      return;
    }
    this.uid = uid;
    let html;
    try {
      const response = await fetch(url("card", { uid }));
      if (!response.ok) throw new Error(`card: HTTP ${response.status}`);
      html = await response.text();
    } catch {
      html = `<p class="map-card__error">${t("cardFailed")}</p>`;
    }
    if (this.uid !== uid) return;
    this.body.innerHTML = html;
    const color = this.body.firstElementChild?.style.getPropertyValue("--type-color");
    if (color) this.panel.style.setProperty("--card-color", color);
    this.panel.hidden = false;
    if (focus) this.focus();
  }

  focus() {
    (this.panel.querySelector("[data-card-title]") || this.panel).focus();
  }

  close() {
    const hadFocus = this.panel.contains(document.activeElement);
    this.uid = "";
    this.panel.hidden = true;
    this.body.replaceChildren();
    if (hadFocus && this.returnFocus?.isConnected) this.returnFocus.focus();
    this.returnFocus = null;
  }
}
