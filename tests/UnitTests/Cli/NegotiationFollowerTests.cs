using EventShadow.Cli.Api;
using EventShadow.Cli.Following;

namespace EventShadow.UnitTests.Cli;

public class NegotiationFollowerTests
{
    private static readonly SubmittedNegotiation Redis = new("n-1", "Deployment/redis/redis", "/negotiation/n-1");

    [Fact]
    public async Task Follow_ends_when_committed()
    {
        var server = new FakeNegotiator().Views("n-1", "", Views.Negotiation("n-1", "Validating"), Views.Negotiation("n-1", "Committed"));
        var reports = new List<string>();

        var results = await FollowAsync(server, Options(), reports);

        var result = Assert.Single(results);
        Assert.Equal(FollowOutcome.Committed, result.Outcome);
        Assert.Equal("Committed", result.View!.Status);
        Assert.Contains("\"status\":\"Committed\"", result.Json, StringComparison.Ordinal);
        Assert.All(reports, report => Assert.StartsWith("[Deployment/redis/redis] ", report, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Follow_reports_not_found_after_grace()
    {
        var reports = new List<string>();

        var results = await FollowAsync(new FakeNegotiator(), Options() with { NotFoundGrace = TimeSpan.FromMilliseconds(100) }, reports);

        Assert.Equal(FollowOutcome.NotFound, Assert.Single(results).Outcome);
        Assert.Contains(reports, report => report.Contains("not found", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Follow_retries_brief_outage()
    {
        var server = new FlakyHandler(failures: 2, new FakeNegotiator().Views("n-1", Views.Negotiation("n-1", "Failed", failureReason: "\"no pool\"")));
        var reports = new List<string>();

        var results = await FollowAsync(server, Options(), reports);

        Assert.Equal(FollowOutcome.Failed, Assert.Single(results).Outcome);
        Assert.Equal(2, reports.Count(report => report.EndsWith("; retrying", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Follow_gives_up_after_long_outage()
    {
        var server = new FlakyHandler(failures: int.MaxValue, new FakeNegotiator());

        await Assert.ThrowsAsync<ServerUnreachableException>(
            () => FollowAsync(server, Options() with { UnreachableGrace = TimeSpan.FromMilliseconds(100) }, []));
    }

    [Fact]
    public async Task Follow_times_out_with_last_view()
    {
        var server = new FakeNegotiator().Views("n-1", Views.Negotiation("n-1", "Configuring", Views.ProposedSecondAttempt));
        var reports = new List<string>();

        var results = await FollowAsync(server, Options() with { Timeout = TimeSpan.FromMilliseconds(200) }, reports);

        var result = Assert.Single(results);
        Assert.Equal(FollowOutcome.TimedOut, result.Outcome);
        Assert.Equal("Configuring", result.View!.Status);
        Assert.Contains("[Deployment/redis/redis] timed out while Configuring", reports);
    }

    [Fact]
    public async Task Follow_waits_until_costs_are_settled()
    {
        var server = new FakeNegotiator().Views("n-1",
            Views.Negotiation("n-1", "Committed", settled: false),
            Views.Negotiation("n-1", "Committed", settled: false),
            Views.Negotiation("n-1", "Committed", settled: true));

        var results = await FollowAsync(server, Options(), []);

        var result = Assert.Single(results);
        Assert.Equal(FollowOutcome.Committed, result.Outcome);
        Assert.True(result.View!.Settled);
    }

    [Fact]
    public async Task Follow_stops_waiting_for_costs_after_grace()
    {
        var server = new FakeNegotiator().Views("n-1", Views.Negotiation("n-1", "Failed", settled: false));

        var results = await FollowAsync(server, Options() with { CostGrace = TimeSpan.FromMilliseconds(100) }, []);

        var result = Assert.Single(results);
        Assert.Equal(FollowOutcome.Failed, result.Outcome);
        Assert.False(result.View!.Settled);
    }

    private static FollowOptions Options() =>
        new(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

    private static async Task<IReadOnlyList<FollowResult>> FollowAsync(HttpMessageHandler server, FollowOptions options, List<string> reports)
    {
        using var http = new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:5080/") };
        var follower = new NegotiationFollower(new NegotiatorClient(http), options, TimeProvider.System);
        return await follower.FollowAsync([Redis], reports.Add, CancellationToken.None);
    }

    /// <summary>Fails the first requests as a refused connection would, then passes the rest on.</summary>
    private sealed class FlakyHandler(int failures, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int remaining = failures;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (remaining > 0)
            {
                remaining--;
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:5080)");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
