/* Building DOM: elements, attributes and text only. The one innerHTML, for the server-sanitized comment
   body, is fillBody's; names, websites and messages are always text. */

// h("a", { class, href, onclick }, ...children): "on*" props become listeners, never attributes.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child != null && child !== false) el.append(child);
  return el;
}

export const button = (label, onclick, props) => h("button", { type: "button", onclick, ...props }, label);

export const httpUrl = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

let uid = 0;
// Ids for label/aria wiring; unique across every widget on the page.
export const nextId = (prefix) => "commentsvc-" + prefix + (++uid);

// The one innerHTML: server-sanitized comment HTML (markdown-it, then bleach, then nh3), for a card or a floor.
export function fillBody(node, c) {
  node.body.innerHTML = c.html;
  return node.body;
}

// A comment's stored language as a lang attribute: "other" is lang="" (unknown), not the widget's language.
export const langOf = (lang) => (lang == null ? undefined : lang === "other" ? "" : lang);
