/* Comment counts for every [data-commentsvc-count] element on the page: the one counting code path,
   shared by embed.js and count.js. */
import { query } from "./api.js";

// The API's limit of articles per counts request.
export const MAX_ARTICLES = 200;

export const normArticle = (text) => (text || "").normalize("NFC").trim();

export function pageArticle(doc) {
  const link = doc.querySelector('link[rel="canonical"]');
  try {
    return new URL(link ? link.href : doc.location.href).pathname;
  } catch {
    return doc.location.pathname;
  }
}

// One request per 200 articles of a site: a GET, which browsers and CDNs may cache, while the URL stays
// short; a longer URL risks proxies' limits, so such a list goes as a POST body.
export function countRequests(site, articles) {
  const requests = [];
  for (let i = 0; i < articles.length; i += MAX_ARTICLES) {
    const part = articles.slice(i, i + MAX_ARTICLES);
    const path = "counts?" + [query({ site }), ...part.map((a) => "article=" + encodeURIComponent(a))].filter(Boolean).join("&");
    requests.push(path.length < 1800 ? { method: "GET", path, articles: part }
      : { method: "POST", path: "counts", body: { site: site || undefined, articles: part }, articles: part });
  }
  return requests;
}

// data-commentsvc-format may show both numbers: "{participants}人参与 · {count}条评论".
export function showCount(el, n, people) {
  el.textContent = (el.getAttribute("data-commentsvc-format") || "{count}").replace(/{count}/g, n).replace(/{participants}/g, people || 0);
}

export class Counter {
  constructor(doc, request, defaultSite) {
    Object.assign(this, { doc, request, defaultSite: defaultSite || "" });
  }

  // Site → article → its elements, each article once however many elements show it.
  elements() {
    const bySite = new Map();
    for (const el of this.doc.querySelectorAll("[data-commentsvc-count]")) {
      const site = el.getAttribute("data-commentsvc-site") || this.defaultSite;
      const article = normArticle(el.getAttribute("data-commentsvc-count")) || pageArticle(this.doc);
      if (!bySite.has(site)) bySite.set(site, new Map());
      const articles = bySite.get(site);
      if (!articles.has(article)) articles.set(article, []);
      articles.get(article).push(el);
    }
    return bySite;
  }

  fill() {
    return Promise.all([...this.elements()].flatMap(([site, articles]) => countRequests(site, [...articles.keys()]).map(
      async ({ method, path, body, articles: part }) => {
        try {
          const data = await this.request(method, path, { body });
          for (const article of part) for (const el of articles.get(article)) showCount(el, data.counts[article] || 0, data.participants?.[article]);
        } catch {
          // Counts are decoration: the page keeps its fallback text.
        }
      })));
  }
}
