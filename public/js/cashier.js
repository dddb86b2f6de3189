// Croupier — the cashier page (/cashier). Optional: the page works without JavaScript.
//
//   [data-preset="25"]   fills the amount field with that amount
//   [data-method-limits] shows the limits of the payment method chosen (deposits)
//   [data-payout-limits] the same for the payout method chosen (withdrawals)
//   [data-watch="url"]   a deposit still waiting for its gateway: asks the API every 2 s and
//                        reloads the page once the deposit has moved on (completed, failed,
//                        expired); gives up after 10 minutes, when a reload shows the same

const amount = document.getElementById("deposit-amount");
document.querySelectorAll("[data-preset]").forEach((button) => {
  button.addEventListener("click", () => {
    if (!amount) return;
    amount.value = button.dataset.preset;
    amount.focus();
  });
});

for (const [select, hint] of [["deposit-method", "[data-method-limits] span"], ["withdrawal-method", "[data-payout-limits] span"]]) {
  const method = document.getElementById(select);
  const limits = document.querySelector(hint);
  if (method && limits) {
    method.addEventListener("change", () => {
      limits.textContent = method.selectedOptions[0]?.dataset.limits ?? "";
    });
  }
}

const watched = document.querySelector("[data-watch]");
if (watched) {
  const started = Date.now();
  const check = async () => {
    try {
      const response = await fetch(watched.dataset.watch, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const deposit = await response.json();
        if (deposit.status !== watched.dataset.status) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // A network hiccup: the next round asks again.
    }
    if (Date.now() - started < 10 * 60 * 1000) setTimeout(check, 2000);
  };
  setTimeout(check, 2000);
}
