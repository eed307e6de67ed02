using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.Hosting;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// A message that fails lands in its endpoint's error queue with the reason; once the cause is fixed,
/// <c>POST /errors/{endpoint}/replay</c> sends it back and it is processed.
/// </summary>
public sealed class ErrorQueueTests : IAsyncLifetime
{
    private const string Endpoint = "submit-partial-task";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestServices infrastructure = null!;
    private EventStoreProbe eventStore = null!;
    private WebApplication? negotiator;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        eventStore = new EventStoreProbe(infrastructure.Schema);
    }

    public async Task DisposeAsync()
    {
        await StopNegotiatorAsync();
        await eventStore.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Failed_message_listed_then_replayed()
    {
        var id = Guid.NewGuid();
        var oversized = TestManifests.RedisPod + "\n# " + new string('x', 5000) + "\n";
        using var api = await StartNegotiatorAsync(maxDefinitionBytes: 4096);
        await using (var bus = await TestBus.StartAsync(infrastructure.RabbitMq))
        {
            await bus.PublishAsync(new SubmitPartialTask(id, oversized, "large.yaml"), Guid.NewGuid());
        }

        var failed = await WaitForErrorsAsync(api, expected: 1);
        var sample = Assert.Single(failed.Samples);
        Assert.Equal(typeof(EventShadow.Negotiator.Manifests.ManifestException).FullName, sample.ExceptionType);
        Assert.Contains("4096", sample.Reason, StringComparison.Ordinal);
        Assert.Equal(0, sample.Replayed);

        // Listing leaves the message where it was.
        Assert.Equal(1, await RabbitMqBroker.CountMessagesAsync(infrastructure.RabbitMq.VirtualHost, failed.Queue));

        // The operator raises the limit and replays.
        await StopNegotiatorAsync();
        using var fixedApi = await StartNegotiatorAsync(maxDefinitionBytes: 65536);
        using var response = await fixedApi.PostAsync(new Uri($"/errors/{Endpoint}/replay", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replay = await response.Content.ReadFromJsonAsync<ErrorReplay>(RunningSystem.Json);
        Assert.Equal(1, replay!.Replayed);
        Assert.Equal(0u, replay.Remaining);
        var submitted = await eventStore.WaitForEventAsync<PartialTaskSubmitted>(id, Timeout);
        Assert.Equal("large.yaml", submitted.SourceName);
        Assert.Equal(0, await RabbitMqBroker.CountMessagesAsync(infrastructure.RabbitMq.VirtualHost, failed.Queue));
    }

    [Fact]
    public async Task Failing_message_replayed_once_per_call()
    {
        var oversized = TestManifests.RedisPod + "\n# " + new string('x', 5000) + "\n";
        using var api = await StartNegotiatorAsync(maxDefinitionBytes: 4096);
        await using (var bus = await TestBus.StartAsync(infrastructure.RabbitMq))
        {
            await bus.PublishAsync(new SubmitPartialTask(Guid.NewGuid(), oversized, "large.yaml"), Guid.NewGuid());
        }

        await WaitForErrorsAsync(api, expected: 1);

        // The cause is not fixed: the message fails at once again and returns to the error queue while
        // the replay still runs, which must not take it a second time.
        using var response = await api.PostAsync(new Uri($"/errors/{Endpoint}/replay?limit=100", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replay = await response.Content.ReadFromJsonAsync<ErrorReplay>(RunningSystem.Json);
        Assert.Equal(1, replay!.Replayed);
        var failedAgain = await WaitForErrorsAsync(api, expected: 1);
        Assert.Equal(1, Assert.Single(failedAgain.Samples).Replayed);
    }

    [Fact]
    public async Task Replay_rejects_unknown_endpoint_and_bad_limit()
    {
        using var api = await StartNegotiatorAsync(maxDefinitionBytes: 4096);

        using var unknown = await api.PostAsync(new Uri("/errors/no-such-endpoint/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-endpoint", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var badLimit = await api.PostAsync(new Uri($"/errors/{Endpoint}/replay?limit=0", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        var problem = await badLimit.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
    }

    private async Task<HttpClient> StartNegotiatorAsync(int maxDefinitionBytes)
    {
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            $"--Api:MaxDefinitionBytes={maxDefinitionBytes}", SourceTree.ContentRootArgument("Negotiator")));
        await negotiator.StartAsync();
        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return TestServices.CreateApiClient(address, Timeout);
    }

    private async Task StopNegotiatorAsync()
    {
        if (negotiator is not null)
        {
            await negotiator.StopAsync();
            await negotiator.DisposeAsync();
            negotiator = null;
        }
    }

    private static async Task<ErrorQueueReport> WaitForErrorsAsync(HttpClient api, int expected)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        var last = "(no answer)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            var reports = await api.GetFromJsonAsync<List<ErrorQueueReport>>(new Uri("/errors", UriKind.Relative), RunningSystem.Json);
            var report = reports!.SingleOrDefault(queue => queue.Endpoint == Endpoint);
            last = JsonSerializer.Serialize(reports);
            if (report is not null && report.Messages == expected)
            {
                return report;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Endpoint} did not hold {expected} failed message(s) within {Timeout}; GET /errors returned {last}");
    }
}
