using System.Text.Json;
using EventShadow.Cli.Api;
using EventShadow.Cli.Following;
using EventShadow.Cli.Rendering;

namespace EventShadow.UnitTests.Cli;

public class RenderingTests
{
    [Fact]
    public void Details_show_fields_hints_and_each_attempt()
    {
        var view = Deserialize<NegotiationView>(Views.Negotiation(
            "n-1", NegotiationStatus.Committed, $"{Views.OomKilledAttempt},{Views.PassedSecondAttempt}", """{"cpuMillicores":250,"memoryMiB":512}"""));

        var text = StringConsole.Render(NegotiationDetails.Render(view));

        Assert.Contains("Negotiation n-1", text, StringComparison.Ordinal);
        Assert.Contains("Deployment/redis/redis", text, StringComparison.Ordinal);
        Assert.Contains("redis.yaml (kubernetes)", text, StringComparison.Ordinal);
        Assert.Contains("significant", text, StringComparison.Ordinal);
        Assert.Contains("Attempt 1: 250m/256 MiB", text, StringComparison.Ordinal);
        Assert.Contains("profile redis: no history, default", text, StringComparison.Ordinal);
        Assert.Contains("256 MiB of 256 MiB limit", text, StringComparison.Ordinal);
        Assert.Matches(@"OOM-killed\s+yes\s", text);
        Assert.Matches(@"OOM-killed\s+no\s", text);
        Assert.Contains("6% of 200 periods", text, StringComparison.Ordinal);
        Assert.Contains("137", text, StringComparison.Ordinal);
        Assert.Contains("Attempt 2: 250m/512 MiB", text, StringComparison.Ordinal);
        Assert.Contains("fedcba987654 (cold start)", text, StringComparison.Ordinal);
        Assert.Contains("2.5 s", text, StringComparison.Ordinal);
        Assert.Contains("0.0042 EUR", text, StringComparison.Ordinal);
        Assert.Contains("2025-01-02 03:05:00Z", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_show_pool_commit_rationale_and_alternatives()
    {
        const string attempt = """
            {"attempt":1,"allocation":{"cpuMillicores":500,"memoryMiB":512},"rationale":"first","shadowId":null,"coldStart":null,"validation":null,
             "pool":"default","alternatives":[{"label":"tighter","pool":"default","allocation":{"cpuMillicores":500,"memoryMiB":384},"rationale":"less memory","hourlyCost":0.0219}]}
            """;
        var json = Views.Negotiation("n-1", NegotiationStatus.Committed, attempt, """{"cpuMillicores":500,"memoryMiB":360}""")
            .Replace("\"settled\":", "\"pool\":\"default\",\"commitRationale\":\"peak plus a 15% margin\",\"settled\":", StringComparison.Ordinal);
        var view = Deserialize<NegotiationView>(json);

        var text = StringConsole.Render(NegotiationDetails.Render(view));

        Assert.Contains("peak plus a 15% margin", text, StringComparison.Ordinal);
        Assert.Matches(@"Pool\s+default", text);
        Assert.Contains("tighter: 500m/384 MiB in default, 0.0219/h (less memory)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_without_attempts_say_so()
    {
        var view = Deserialize<NegotiationView>(Views.Negotiation("n-1", NegotiationStatus.Submitted));

        var text = StringConsole.Render(NegotiationDetails.Render(view));

        Assert.Contains("No allocation proposed yet.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_of_commit_without_trial_give_its_reason()
    {
        var view = Deserialize<NegotiationView>(Views.Negotiation("n-2", NegotiationStatus.Committed)) with
        {
            Attempts = [],
            CommittedWithoutTrial = true,
            CommitRationale = "Committed from 3 validated runs of this workload, no trial",
        };

        var text = StringConsole.Render(NegotiationDetails.Render(view));

        Assert.Matches(@"Committed as\s+Committed from 3 validated runs of this workload, no trial", text);
        Assert.Equal(1, Occurrences(text, "Committed from 3 validated runs"));
        Assert.Contains("No trial: committed from usage history.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("No allocation proposed yet.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Details_escape_markup_in_server_values()
    {
        var view = Deserialize<NegotiationView>(Views.Negotiation("n-[1]", NegotiationStatus.Failed, failureReason: "\"limit [red] reached\""));

        var text = StringConsole.Render(NegotiationDetails.Render(view));

        Assert.Contains("n-[1]", text, StringComparison.Ordinal);
        Assert.Contains("limit [red] reached", text, StringComparison.Ordinal);
    }

    [Fact]
    public void List_shows_rows_and_page_position()
    {
        var page = Deserialize<NegotiationPage>(
            """{"items":[{"id":"n-1","task":"Pod/web","status":"Validating","allocation":{"cpuMillicores":500,"memoryMiB":128},"attempts":2,"updatedAt":"2025-01-02T03:04:05Z"}],"total":41}""");

        var text = StringConsole.Render(NegotiationTables.List(page, offset: 20));

        Assert.Contains("n-1", text, StringComparison.Ordinal);
        Assert.Contains("Pod/web", text, StringComparison.Ordinal);
        Assert.Contains("500m/128 MiB", text, StringComparison.Ordinal);
        Assert.Contains("Negotiations 21-21 of 41.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void List_of_empty_page_says_so()
    {
        var text = StringConsole.Render(NegotiationTables.List(new NegotiationPage([], 3), offset: 20));

        Assert.Contains("No negotiations at offset 20 of 3.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_row_per_outcome()
    {
        var committed = Deserialize<NegotiationView>(Views.Negotiation("n-1", NegotiationStatus.Committed, Views.PassedSecondAttempt, """{"cpuMillicores":250,"memoryMiB":512}"""));
        var failed = Deserialize<NegotiationView>(Views.Negotiation("n-2", NegotiationStatus.Failed, Views.OomKilledAttempt, failureReason: "\"no pool\""));

        var rows = new[]
        {
            NegotiationTables.ToSummaryRow(new FollowResult("n-1", null, FollowOutcome.Committed, committed, null)),
            NegotiationTables.ToSummaryRow(new FollowResult("n-2", null, FollowOutcome.Failed, failed, null)),
            NegotiationTables.ToSummaryRow(new FollowResult("n-3", "Pod/a", FollowOutcome.TimedOut, null, null)),
            NegotiationTables.ToSummaryRow(new FollowResult("n-4", null, FollowOutcome.NotFound, null, null)),
        };

        Assert.Equal(new SummaryRow("Deployment/redis/redis", "n-1", "Committed", 1, "250m/512 MiB", "0.0042 EUR"), rows[0]);
        Assert.Equal(new SummaryRow("Deployment/redis/redis", "n-2", "Failed", 1, "no pool", "0.0042 EUR"), rows[1]);
        Assert.Equal(new SummaryRow("Pod/a", "n-3", "Timed out", null, "still not visible", "-"), rows[2]);
        Assert.Equal("n-4", rows[3].Task);
        Assert.Equal("Not found", rows[3].Outcome);
    }

    private static int Occurrences(string text, string value) => text.Split(value).Length - 1;

    private static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, NegotiatorClient.JsonOptions)!;
}
