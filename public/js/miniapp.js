// Mini App entry: Telegram opens this page with the signed initData, either through its
// WebApp object (when the host page injected it) or in the URL fragment as tgWebAppData.
// The data goes to the server untouched, as `Authorization: tma <initData>`; the server
// verifies it and says what comes next (e-mail, code, or done).

const root = document.querySelector("[data-miniapp]");
const messages = Object.fromEntries(
  [...document.querySelector("[data-miniapp-messages]").content.querySelectorAll("[data-key]")].map((el) => [el.dataset.key, el.textContent]),
);
const statusText = root.querySelector("[data-miniapp-status-text]");
const spinner = root.querySelector("[data-miniapp-spinner]");
const errorBox = root.querySelector('[data-testid="miniapp-error"]');
const fallback = root.querySelector("[data-miniapp-fallback]");

function initData() {
  const fromWebApp = window.Telegram?.WebApp?.initData;
  if (fromWebApp) return fromWebApp;
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  return fragment.get("tgWebAppData") || "";
}

function fail(key) {
  spinner.hidden = true;
  statusText.textContent = "";
  errorBox.querySelector("[data-miniapp-error-text]").textContent = messages[key] || messages.network;
  errorBox.hidden = false;
  fallback.hidden = false;
}

async function signIn() {
  const data = initData();
  if (!data) return fail("noData");
  // The fragment holds signed data: keep it out of history and referrers once read.
  history.replaceState(null, "", window.location.pathname);
  let response;
  try {
    response = await fetch("/api/v1/auth/telegram", {
      method: "POST",
      credentials: "same-origin",
      headers: { Authorization: `tma ${data}`, Accept: "application/json" },
    });
  } catch {
    return fail("network");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return fail(body?.error?.code);
  statusText.textContent = messages.done;
  const challenge = encodeURIComponent(body.challenge || "");
  const next = { email: `/signin/email?challenge=${challenge}`, code: `/signin/code?challenge=${challenge}`, done: "/wallet" }[body.next];
  window.location.assign(next || "/signin");
}

signIn();
