/* What a post needs besides its text, got the way a person's browser gets it: a form token asked for when
   the reader starts writing (never on page load), the next one from each answer, a fresh one when it
   expired, and a proof of work solved in a Web Worker (/embed-pow.js, fetched only when a challenge comes). */

export class FormGuard {
  constructor(request, store, identityKey, base) {
    Object.assign(this, { request, store, identityKey, base, forms: {} });
  }

  prepare(site, article) {
    const k = site + "\n" + article;
    this.forms[k] ||= this.request("POST", "form-tokens", { body: { site: site || undefined, article } }).then((data) => {
      if (data.identity) this.store.set(this.identityKey, data.identity);
      return { token: data.form_token, work: data.challenge && this.solve(data.challenge) };
    }, (err) => { delete this.forms[k]; throw err; });
    return this.forms[k];
  }

  // post(body) sends the comment; verifying() is called while a proof of work is being solved.
  async send(site, article, body, post, verifying) {
    const k = site + "\n" + article;
    for (let attempt = 0; ; attempt++) {
      const form = await this.prepare(site, article);
      try {
        if (form.work) verifying();
        const comment = await post({ ...body, form_token: form.token, altcha: form.work && await form.work });
        this.forms[k] = Promise.resolve({ token: comment.form_token });
        return comment;
      } catch (err) {
        if (attempt > 1) throw err;
        if (err.code === "form_token_expired") delete this.forms[k];
        else if (err.code === "challenge_required") this.forms[k] = Promise.resolve({ token: form.token, work: this.solve(err.challenge) });
        else throw err;
      }
    }
  }

  async solve(challenge) {
    const url = this.base + "embed-pow.js";
    // A worker must come from the page's origin; on a publisher's page it starts from a copy of the script.
    const worker = new Worker(new URL(url).origin === location.origin ? url
      : URL.createObjectURL(new Blob([await (await fetch(url)).text()], { type: "text/javascript" })));
    const number = await new Promise((resolve, reject) => {
      worker.addEventListener("message", (e) => resolve(e.data));
      worker.addEventListener("error", reject);
      worker.postMessage(challenge);
    }).finally(() => worker.terminate());
    const { algorithm, salt, signature } = challenge;
    return btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature }));
  }
}
