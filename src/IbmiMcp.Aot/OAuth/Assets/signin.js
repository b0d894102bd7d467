"use strict";
// Seals the IBM i credentials as `ibmi-mcp token` does (RSA-OAEP-SHA256 wraps a fresh AES-256-GCM key that encrypts
// {credentials, request, iat}), so the password never crosses a TLS-terminating proxy in the clear. The user and
// password inputs have no name: only the sealed envelope is posted.
(() => {
  const form = document.getElementById("signin");
  const error = document.getElementById("error");
  const button = form.querySelector("button");
  if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
    document.getElementById("insecure").hidden = false;
    button.disabled = true;
    return;
  }
  const base64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const pemToDer = (pem) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const password = document.getElementById("password");
    try {
      const plain = new TextEncoder().encode(JSON.stringify({
        credentials: { username: document.getElementById("user").value.trim(), password: password.value },
        request: { host: document.getElementById("system")?.value || form.dataset.host },
        iat: Math.floor(Date.now() / 1000),
      }));
      const rsa = await crypto.subtle.importKey("spki", pemToDer(form.dataset.publicKey), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
      const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: 128 }, aes, plain));
      plain.fill(0);
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", aes));
      const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, rsa, raw));
      raw.fill(0);
      form.elements.envelope.value = JSON.stringify({
        keyId: form.dataset.keyId,
        encryptedSessionKey: base64(wrapped),
        iv: base64(iv),
        authTag: base64(sealed.subarray(sealed.length - 16)),
        ciphertext: base64(sealed.subarray(0, sealed.length - 16)),
      });
      password.value = "";
      form.submit();
    } catch (e) {
      error.textContent = "The browser could not encrypt the credentials (" + e.name + "). Reload the page and try again.";
      error.hidden = false;
      button.disabled = false;
    }
  });
})();
