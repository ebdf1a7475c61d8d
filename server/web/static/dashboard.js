// The dashboard's charts (Chart.js, vendored), the trend's PNG export, and following a running job.
// Everything the charts show is also in the page's HTML: without script, nothing is lost but the drawing.
"use strict";

(function () {
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const COLOURS = { joy: "#b45309", love: "#be185d", surprise: "#0e7490", sadness: "#4338ca", anger: "#b91c1c", fear: "#6d28d9" };

  function drawBreakdown() {
    const breakdown = data("breakdown-data");
    const canvas = document.getElementById("breakdown-chart");
    if (!breakdown || !canvas || !window.Chart) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: breakdown.map((item) => item.label),
        datasets: [{ label: "Share of the emotion in your tweets (%)", data: breakdown.map((item) => item.percent),
          backgroundColor: breakdown.map((item) => COLOURS[item.emotion] || "#545a63") }],
      },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
        scales: { x: { min: 0, max: 100, ticks: { callback: (value) => value + "%" } } } },
    });
  }

  // Each analysis sits in the bucket its window ended in (the newest tweet it read); the latest one wins a bucket.
  function analysisBucket(series, analysis) {
    const end = (analysis.window_end || analysis.created_at).slice(0, 10);
    let index = -1;
    series.forEach((point, i) => { if (point.start <= end) index = i; });
    return index;
  }

  function analysisPoints(series, analyses) {
    const points = series.map(() => null);
    analyses.forEach((analysis) => {
      const index = analysisBucket(series, analysis);
      if (index >= 0) points[index] = Math.round(analysis.positivity * 100);
    });
    return points;
  }

  function analysisLabel(series, analyses, index) {
    const found = analyses.filter((analysis) => analysisBucket(series, analysis) === index).pop();
    return found ? "Analysis of " + found.created_at.slice(0, 10) + ": " + (found.status || "not enough to tell") : "";
  }

  function drawTrend() {
    const trend = data("trend-data");
    const canvas = document.getElementById("trend-chart");
    if (!trend || !canvas || !window.Chart) return;
    const series = trend.series;
    const percent = (value) => (value === null ? null : Math.round(value * 100));
    const chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: series.map((point) => point.start),
        datasets: [
          { label: "Positive (joy, love, surprise)", data: series.map((p) => percent(p.positivity)), borderColor: "#047857",
            backgroundColor: "#047857", spanGaps: true, tension: 0.3 },
          { label: "Negative (sadness, anger, fear)", data: series.map((p) => percent(p.negativity)), borderColor: "#b91c1c",
            backgroundColor: "#b91c1c", borderDash: [6, 4], spanGaps: true, tension: 0.3 },
          { label: "Analyses (positive share)", data: analysisPoints(series, trend.analyses), showLine: false,
            pointStyle: "rectRot", pointRadius: 7, borderColor: "#1b1d21", backgroundColor: "#f59e0b" },
        ],
      },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (value) => value + "%" } } },
        plugins: { tooltip: { callbacks: { afterBody: (items) => {
          if (items[0].datasetIndex === 2) return analysisLabel(series, trend.analyses, items[0].dataIndex);
          const point = series[items[0].dataIndex];
          return point.tweets + " tweets" + (point.status ? ", " + point.status : "");
        } } } },
      },
    });
    const button = document.getElementById("export-trend");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", () => {
        const link = document.createElement("a");
        link.href = chart.toBase64Image("image/png", 1);
        link.download = "mood-trend-" + trend.username + ".png";
        link.click();
      });
    }
  }

  function follow(card) {
    const url = card.dataset.job;
    if (!url) return;
    const bar = card.querySelector("progress");
    const words = card.querySelector(".job-words");
    async function poll() {
      let job;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        job = (await response.json()).job;
      } catch (error) {
        setTimeout(poll, 5000);
        return;
      }
      const progress = job.progress;
      if (job.state === "succeeded" || job.state === "failed") {
        words.textContent = job.state === "succeeded" ? "Done: showing the result…" : "It failed: " + (job.error.message || job.error);
        if (job.state === "succeeded") window.location.reload();
        return;
      }
      if (progress.total) {
        bar.max = progress.total;
        bar.value = progress.classified || progress.fetched;
        words.textContent = progress.classified ? "Reading emotions: " + progress.classified + " of " + progress.total + " tweets"
          : "Collecting tweets: " + progress.fetched + " so far";
      } else if (job.state === "pending") {
        words.textContent = "Waiting for a worker…";
      }
      setTimeout(poll, 1000);
    }
    poll();
  }

  drawBreakdown();
  drawTrend();
  document.querySelectorAll(".progress-card").forEach(follow);
})();
