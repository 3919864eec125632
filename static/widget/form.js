/* The comment forms: posting (top level and replies) and editing. Field errors come as codes and are shown
   beside their field in the reader's language; typed text is never lost (drafts, one key per attempt). */
import { button, h, nextId } from "./dom.js";
import { errorText, fieldText } from "./i18n.js";

const AUTHOR_FIELDS = ["name", "email", "website"];

// crypto.randomUUID exists only on https pages (and localhost).
export const randomKey = () => (globalThis.crypto && crypto.randomUUID ? crypto.randomUUID()
  : Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2));

// options: t, submitLabel, replyingTo (a name, for a reply), author ({ name, email, website } to ask for them,
// null for an edit), body (initial text), draft ({ get, set, clear } or null), idempotent (one Idempotency-Key
// per text), onSubmit(values, key) → Promise, onCancel (or null), onError(err), announce(text).
export class CommentForm {
  constructor(options) {
    Object.assign(this, { draft: null, onCancel: null, onError: null, onStart: null, idempotent: false }, options);
    const t = this.t;
    this.id = nextId("f");
    this.fields = {};
    this.busy = false;
    this.key = null;
    this.submitButton = h("button", { type: "submit", class: "commentsvc-primary" }, this.submitLabel);
    this.msg = h("div", { class: "commentsvc-msg commentsvc-error" });
    const who = this.author && h("div", { class: "commentsvc-who" },
      this.field("name", "input", { type: "text", autocomplete: "nickname", maxlength: "64", placeholder: t("hint_name") }),
      this.field("email", "input", { type: "email", autocomplete: "email", placeholder: t("hint_email") }),
      this.field("website", "input", { type: "url", autocomplete: "url", placeholder: t("hint_website") }));
    this.notify = h("input", { type: "checkbox", name: "notify" });
    // A field people never see or reach; only a bot fills it in (sent as homepage).
    this.homepage = h("input", { name: "homepage", tabindex: "-1", autocomplete: "off" });
    const notify = who && h("label", { hidden: true }, this.notify, " " + t("notify"));
    this.form = h("form", { class: "commentsvc-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); this.send(); } },
      this.replyingTo != null && h("p", { class: "commentsvc-dim" }, t("replying", { name: this.replyingTo })),
      who, notify, who && h("div", { class: "commentsvc-sr", "aria-hidden": "true" }, this.homepage),
      this.field("body", "textarea", { rows: "4", required: true }),
      h("div", { class: "commentsvc-buttons" }, this.submitButton, this.onCancel && button(t("cancel"), () => this.onCancel())),
      this.msg);
    if (this.author) {
      for (const name of AUTHOR_FIELDS) this.fields[name].input.value = this.author[name] || "";
      const email = this.fields.email.input;
      const shown = () => { notify.hidden = !email.value.trim(); };
      email.addEventListener("input", shown);
      shown();
    }
    const body = this.fields.body.input;
    body.value = this.body ?? (this.draft ? this.draft.get() : "");
    body.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.send(); }
    });
    if (this.draft) body.addEventListener("input", () => this.draft.set(body.value));
    if (this.onCancel) this.form.addEventListener("keydown", (e) => { if (e.key === "Escape") this.onCancel(); });
    // The reader starts writing: the moment to ask for what posting needs (never on page load).
    if (this.onStart) for (const type of ["focusin", "input"]) this.form.addEventListener(type, this.onStart, { once: true });
  }

  field(name, tag, attrs) {
    const id = this.id + "-" + name;
    const input = h(tag, { id, name, "aria-describedby": id + "-error", ...attrs });
    const error = h("p", { class: "commentsvc-error", id: id + "-error", hidden: true });
    this.fields[name] = { input, error };
    return h("div", { class: "commentsvc-field commentsvc-field-" + name },
      h("label", { for: id }, this.t("label_" + name)), input, error);
  }

  values() {
    const values = Object.fromEntries(Object.entries(this.fields).map(([name, { input }]) => [name, input.value]));
    if (this.notify.checked && values.email?.trim()) values.notify = true;
    if (this.author) values.homepage = this.homepage.value;
    return values;
  }

  say(text) {
    this.msg.textContent = text;
    this.announce(text);
  }

  focus() {
    this.fields.body.input.focus();
  }

  clearErrors() {
    this.msg.replaceChildren();
    for (const { input, error } of Object.values(this.fields)) {
      input.removeAttribute("aria-invalid");
      error.hidden = true;
      error.textContent = "";
    }
  }

  showError(err, retry) {
    const t = this.t;
    const fields = err.fields || {};
    const invalid = Object.keys(this.fields).filter((name) => fields[name]);
    if (invalid.length) {
      invalid.forEach((name, i) => {
        const { input, error } = this.fields[name];
        input.setAttribute("aria-invalid", "true");
        error.textContent = fieldText(t, fields[name], err.message);
        error.hidden = false;
        if (i === 0) input.focus();
      });
      this.msg.textContent = t("fix");
      this.announce(t("fix"));
      return;
    }
    if (this.onError) this.onError(err);
    const text = errorText(t, err);
    this.msg.replaceChildren(h("span", {}, text));
    if (err.network && retry) this.msg.append(button(t("retry"), () => { this.submitButton.focus(); retry(); }));
    this.announce(text);
  }

  async send() {
    if (this.busy) return;
    this.clearErrors();
    const values = this.values();
    if (!values.body.trim()) {
      this.showError({ fields: { body: "body_empty" } });
      return;
    }
    // A retry after a lost response reuses the key, so the comment is never posted twice.
    if (this.idempotent) this.key = this.key || randomKey();
    this.busy = true;
    this.submitButton.setAttribute("aria-disabled", "true");
    try {
      await this.onSubmit(values, this.key);
      this.msg.replaceChildren();
      this.key = null;
      this.fields.body.input.value = "";
      if (this.draft) this.draft.clear();
    } catch (err) {
      this.showError(err, () => this.send());
    } finally {
      this.busy = false;
      this.submitButton.removeAttribute("aria-disabled");
    }
  }
}
