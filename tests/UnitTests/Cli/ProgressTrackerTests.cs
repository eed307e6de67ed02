using System.Text.Json;
using EventShadow.Cli.Api;
using EventShadow.Cli.Following;

namespace EventShadow.UnitTests.Cli;

public class ProgressTrackerTests
{
    private const string Id = "n-1";

    [Fact]
    public void Renegotiation_is_reported_step_by_step()
    {
        var tracker = new ProgressTracker();
        var firstProposal = Views.OomKilledAttempt.Replace("\"validation\":{", "\"validation\":null,\"x\":{", StringComparison.Ordinal);

        var lines = new[]
        {
            View(NegotiationStatus.Submitted),
            View(NegotiationStatus.Validating, firstProposal),
            View(NegotiationStatus.Proposed, $"{Views.OomKilledAttempt},{Views.ProposedSecondAttempt}"),
            View(NegotiationStatus.Committed, $"{Views.OomKilledAttempt},{Views.PassedSecondAttempt}", """{"cpuMillicores":250,"memoryMiB":512}"""),
        }.SelectMany(tracker.Observe).ToList();

        Assert.Equal(
            [
                "submitted, analysing requirements",
                "attempt 1 proposed 250m/256 MiB",
                "attempt 1 validating in shadow 0123456789ab",
                "attempt 1 OOM-killed, peak 256 MiB of 256 MiB: memory limit reached",
                "attempt 2 proposed 250m/512 MiB",
                "attempt 2 passed, peak 301.5 MiB of 512 MiB, ready in 2.5 s, CPU throttled in 6% of 200 periods",
                "committed 250m/512 MiB after 2 attempts",
                "cost 0.0042 EUR",
            ],
            lines);
    }

    [Fact]
    public void Commit_without_trial_says_from_history()
    {
        var tracker = new ProgressTracker();

        var lines = tracker.Observe(View(NegotiationStatus.Committed, "", """{"cpuMillicores":250,"memoryMiB":128}"""));

        Assert.Contains("committed 250m/128 MiB from history, without a trial", lines);
    }

    [Fact]
    public void Unchanged_view_reports_nothing()
    {
        var tracker = new ProgressTracker();
        var view = View(NegotiationStatus.Validating, Views.ProposedSecondAttempt);

        tracker.Observe(view);

        Assert.Empty(tracker.Observe(view));
    }

    [Fact]
    public void Missed_statuses_still_report_every_verdict()
    {
        var tracker = new ProgressTracker();

        var lines = tracker.Observe(View(NegotiationStatus.Failed, Views.OomKilledAttempt, failureReason: "\"attempt limit of 1 reached\""));

        Assert.Equal(
            [
                "attempt 1 proposed 250m/256 MiB",
                "attempt 1 OOM-killed, peak 256 MiB of 256 MiB: memory limit reached",
                "failed: attempt limit of 1 reached",
                "cost 0.0042 EUR",
            ],
            lines);
    }

    [Fact]
    public void Cold_start_is_mentioned_with_the_proposal()
    {
        var tracker = new ProgressTracker();

        var lines = tracker.Observe(View(NegotiationStatus.Configuring, Views.PassedSecondAttempt.Replace("\"validation\":{", "\"validation\":null,\"x\":{", StringComparison.Ordinal)));

        Assert.Equal(["attempt 2 proposed 250m/512 MiB", "attempt 2 configuring a shadow"], lines);
    }

    [Fact]
    public void Failed_verdict_names_first_reason_only()
    {
        var tracker = new ProgressTracker();
        var attempt = Views.OomKilledAttempt.Replace("[\"memory limit reached\"]", "[\"limit reached\",\"CPU throttled\"]", StringComparison.Ordinal);

        var lines = tracker.Observe(View(NegotiationStatus.Proposed, attempt));

        Assert.Contains("attempt 1 OOM-killed, peak 256 MiB of 256 MiB: limit reached", lines);
        Assert.DoesNotContain(lines, line => line.Contains("CPU throttled", StringComparison.Ordinal));
    }

    private static NegotiationView View(string status, string attempts = "", string allocation = "null", string failureReason = "null") =>
        JsonSerializer.Deserialize<NegotiationView>(Views.Negotiation(Id, status, attempts, allocation, failureReason), NegotiatorClient.JsonOptions)!;
}
