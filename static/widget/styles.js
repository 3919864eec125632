/* The widget's look, inside its shadow root: inherits the host's font and colour, light and dark themes. */
import { h } from "./dom.js";

const DARK = "--cs-accent:#ff7b72;--cs-on-accent:#1a1a1a;--cs-field:#1e1f22;--cs-line:rgba(210,210,210,.25);" +
  "--cs-soft:rgba(255,255,255,.07);--cs-error:#ff8a80;--cs-warn:#ffb74d;--cs-mark:rgba(255,196,0,.16);color-scheme:dark;";
// A reply form (.commentsvc-replyslot) spans the whole widget right below its comment however deep it is:
// its margin takes back (--cs-back) the card's padding and --cs-depth levels of .commentsvc-replies indent
// (4em + 2px each, .9em + 2px when narrow), and its width adds them, so that it always wraps below the card.
export const CSS = `
:host{display:block!important;visibility:visible!important;opacity:1!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.commentsvc-root{--cs-accent:#c4161c;--cs-on-accent:#fff;--cs-field:#fff;--cs-line:rgba(120,120,120,.3);--cs-soft:rgba(120,120,120,.08);
--cs-error:#b00020;--cs-warn:#9a5b00;--cs-mark:rgba(255,196,0,.22);color-scheme:light;
container-type:inline-size;font:inherit;color:inherit;line-height:1.6;text-align:start;text-transform:none;text-indent:0;
letter-spacing:normal;word-spacing:normal;white-space:normal;visibility:visible;pointer-events:auto;cursor:auto}
.commentsvc-dark{${DARK}}
@media (prefers-color-scheme:dark){.commentsvc-auto{${DARK}}}
.commentsvc-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3em 1em;border-bottom:2px solid var(--cs-accent);padding-bottom:.3em;margin:0 0 1em}
.commentsvc-heading{font-size:1.25em;font-weight:700;margin:0;outline:0}
.commentsvc-total,.commentsvc-meta time,.commentsvc-edited,.commentsvc-dim{opacity:.72;font-size:.875em}
.commentsvc-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.commentsvc-form{display:grid;gap:.6em;margin:0 0 1.2em}
.commentsvc-who{display:grid;grid-template-columns:repeat(auto-fit,minmax(10em,1fr));gap:.6em}
.commentsvc-field{display:flex;flex-direction:column;gap:.2em;min-width:0}
label{font-size:.875em;font-weight:600}
input,textarea,select,button{font:inherit;color:inherit;margin:0}
input,textarea,select{width:100%;padding:.45em .6em;border:1px solid var(--cs-line);border-radius:4px;background:var(--cs-field)}
select{width:auto;padding:.2em .4em}
textarea{min-height:6.5em;resize:vertical}
:focus-visible{outline:2px solid var(--cs-accent);outline-offset:2px}
[aria-invalid=true]{border-color:var(--cs-error)}
.commentsvc-error{color:var(--cs-error);font-size:.875em;margin:0}
.commentsvc-msg:empty{display:none}
.commentsvc-msg{margin:0;display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
.commentsvc-buttons{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}
button{cursor:pointer;border:1px solid var(--cs-line);background:transparent;border-radius:4px;padding:.3em .8em;line-height:1.4}
button:hover{background:var(--cs-soft)}
.commentsvc-primary,.commentsvc-primary:hover{background:var(--cs-accent);border-color:var(--cs-accent);color:var(--cs-on-accent);font-weight:600;padding:.45em 1.2em}
[aria-disabled=true]{opacity:.6;cursor:default}
.commentsvc-toolbar{display:flex;justify-content:flex-end;align-items:center;gap:.5em;margin:.4em 0}
.commentsvc-list,.commentsvc-replies{list-style:none;margin:0;padding:0}
.commentsvc-replies{margin-left:3.25em;border-left:2px solid var(--cs-line);padding-left:.75em}
.commentsvc-replies:empty{display:none}
.commentsvc-comment{display:flex;flex-wrap:wrap;gap:0 .75em;padding:.75em .3em;border-top:1px solid var(--cs-line);border-radius:4px;scroll-margin:5em;outline:0}
.commentsvc-replies .commentsvc-comment{border-top:0;padding-top:.5em}
.commentsvc-comment:focus-visible{outline:2px solid var(--cs-accent)}
.commentsvc-avatar{width:40px;height:40px;border-radius:50%;flex:none;background:var(--cs-soft)}
.commentsvc-main{flex:1;min-width:0}
.commentsvc-meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2em .6em}
.commentsvc-name{font-weight:700;color:inherit}
.commentsvc-meta a{color:inherit;text-decoration:none}
.commentsvc-meta a:hover{text-decoration:underline}
.commentsvc-badge{font-size:.75em;border-radius:3px;padding:0 .4em;border:1px solid currentColor;white-space:nowrap}
.commentsvc-staff{background:var(--cs-accent);color:var(--cs-on-accent);border-color:var(--cs-accent)}
.commentsvc-pending{color:var(--cs-warn)}
.commentsvc-replyto{font-size:.875em;opacity:.85}
.commentsvc-body{overflow-wrap:anywhere;margin:.25em 0 .4em}
.commentsvc-body>:first-child{margin-top:0}.commentsvc-body>:last-child{margin-bottom:0}
.commentsvc-body p{margin:.4em 0}
.commentsvc-body a{color:var(--cs-accent)}
.commentsvc-body pre{overflow:auto;background:var(--cs-soft);padding:.5em}
.commentsvc-body blockquote{margin:.4em 0;padding-left:.8em;border-left:3px solid var(--cs-line)}
.commentsvc-floored>.commentsvc-replies{margin-left:0;border-left:0;padding-left:0}
.commentsvc-floors{font-size:.9em;margin:.3em 0}
.commentsvc-floor{margin:0 0 .3em;padding:.3em .6em;border:1px solid var(--cs-line);background:var(--cs-soft);overflow-wrap:anywhere}
.commentsvc-floor-head{margin:0}.commentsvc-floor p{margin:.2em 0}
.commentsvc-actions{display:flex;flex-wrap:wrap;gap:.4em}
.commentsvc-actions button{font-size:.85em;padding:.1em .65em}
.commentsvc-actions [aria-pressed=true]{background:var(--cs-accent);border-color:var(--cs-accent);color:var(--cs-on-accent)}
.commentsvc-slot:not(:empty){margin-top:.6em}
.commentsvc-replyslot{--cs-back:calc(.3em + var(--cs-depth,0)*(4em + 2px));flex:none;width:calc(100% + var(--cs-back) + .3em);margin:.6em -.3em 0 calc(0px - var(--cs-back));padding:.75em;background:var(--cs-field);border:1px solid var(--cs-line);border-radius:4px}
.commentsvc-replyslot:empty{display:none}
.commentsvc-replyslot .commentsvc-form,.commentsvc-form>p{margin:0}
.commentsvc-deleted{font-style:italic;opacity:.7}
.commentsvc-highlight{background:var(--cs-mark);box-shadow:0 0 0 2px var(--cs-accent)}
.commentsvc-more{display:block;width:100%;margin:1em 0;padding:.6em}
.commentsvc-picks,.commentsvc-pinned{border-left:3px solid var(--cs-accent);padding-left:.6em;margin:0 0 1em}
.commentsvc-more-replies{margin:.3em 0 .3em 4em;font-size:.85em}
.commentsvc-live{position:fixed;bottom:1em;left:50%;transform:translate(-50%);z-index:9;padding:.5em 1em;border:0;border-radius:2em;background:#c4161c;color:#fff}
.commentsvc-notice{padding:.6em .8em;background:var(--cs-soft);border-radius:4px;margin:0 0 1em}
.commentsvc-as{display:flex;align-items:center;gap:.5em}.commentsvc-as .commentsvc-avatar{width:24px;height:24px}
.commentsvc-login{display:inline-block;margin:0 0 1em}
.commentsvc-report{display:grid;gap:.5em;max-width:28em}
@container (max-width:480px){
.commentsvc-replies{margin-left:.4em;padding-left:.5em}
.commentsvc-avatar{width:30px;height:30px}
.commentsvc-comment{gap:0 .5em;padding-left:0;padding-right:0}
.commentsvc-replyslot{--cs-back:calc(var(--cs-depth,0)*(.9em + 2px));width:calc(100% + var(--cs-back));margin-right:0;padding:.5em}
.commentsvc-more-replies{margin-left:1em}
.commentsvc-primary{width:100%}}`;

let sheet = null;

// Constructed sheets live only in this shadow root and are not blocked by the host page's CSP.
export function adoptStyles(root) {
  if (root.adoptedStyleSheets && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(h("style", {}, CSS));
  }
}
