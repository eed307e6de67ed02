using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Negotiator;

/// <summary>
/// API keys, scopes and the rate limit on the Negotiator's HTTP API, and the event stream's responses
/// to bad requests and to clients that resume it. Only the Negotiator runs, so negotiations stop at
/// their first proposal.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class ApiAccessTests : IAsyncLifetime
{
    private const int RequestsPerMinute = 30;

    private TestServices infrastructure = null!;
    private WebApplication negotiator = null!;
    private string address = null!;

    public async Task InitializeAsync()
    {
        infrastructure = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(infrastructure.ServiceArguments(
            $"--Api:RequestsPerMinute={RequestsPerMinute}", "--Api:EventStreamPollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")));
        await negotiator.StartAsync();
        address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await negotiator.StopAsync();
        await negotiator.DisposeAsync();
        await infrastructure.DisposeAsync();
    }

    [Fact]
    public async Task Request_without_key_gets_401_problem()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(address) };

        using var response = await anonymous.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.Select(header => header.Scheme));
        var problem = await ReadJsonAsync(response);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_key_gets_401_problem()
    {
        using var client = TestServices.CreateApiClient(address, key: "not-a-configured-key-at-all");

        using var response = await client.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ReadJsonAsync(response);
        Assert.Contains("not valid", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_in_x_api_key_header_is_accepted()
    {
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Add("X-Api-Key", TestServices.ApiKey);

        using var response = await client.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Two_different_keys_get_401()
    {
        using var client = TestServices.CreateApiClient(address, key: "not-a-configured-key-at-all");
        client.DefaultRequestHeaders.Add("X-Api-Key", TestServices.ApiKey);

        using var response = await client.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ReadJsonAsync(response);
        Assert.Contains("different API keys", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_key_header_with_two_keys_gets_401()
    {
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Add("X-Api-Key", [TestServices.ApiKey, "not-a-configured-key-at-all"]);

        using var response = await client.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Same_key_in_both_headers_is_accepted()
    {
        using var client = TestServices.CreateApiClient(address);
        client.DefaultRequestHeaders.Add("X-Api-Key", TestServices.ApiKey);

        using var response = await client.GetAsync("/negotiations");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/ui")]
    [InlineData("/ui/dashboard.js")]
    public async Task Head_of_dashboard_needs_no_key(string path)
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(address) };

        using var request = new HttpRequestMessage(HttpMethod.Head, path);
        using var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Read_only_key_cannot_submit()
    {
        using var client = TestServices.CreateApiClient(address, key: TestServices.ReadOnlyApiKey);

        using var response = await client.PostAsync("/negotiate", new StringContent(TestManifests.RedisPod, Encoding.UTF8, "application/yaml"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJsonAsync(response);
        Assert.Contains("'submit'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("tests-read-only", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_openapi_need_no_key()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(address) };

        using var live = await anonymous.GetAsync("/health/live");
        using var document = await anonymous.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var openApi = await ReadJsonAsync(document);
        var schemes = openApi.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        var submitResponses = openApi.GetProperty("paths").GetProperty("/negotiate").GetProperty("post").GetProperty("responses");
        Assert.Contains("'submit'", submitResponses.GetProperty("403").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(submitResponses.TryGetProperty("401", out _));
        Assert.True(submitResponses.TryGetProperty("429", out _));
    }

    [Fact]
    public async Task Rate_limit_answers_429_per_key()
    {
        using var limited = TestServices.CreateApiClient(address, key: TestServices.ReadOnlyApiKey);
        HttpResponseMessage? rejected = null;
        for (var request = 0; request <= RequestsPerMinute && rejected is null; request++)
        {
            var response = await limited.GetAsync("/capacity");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                rejected = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(rejected);
        using (rejected)
        {
            Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
            var retryAfter = rejected.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        }

        using var other = TestServices.CreateApiClient(address);
        using var allowed = await other.GetAsync("/capacity");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Oversized_replay_request_is_rejected()
    {
        using var client = TestServices.CreateApiClient(address);
        var body = $$"""{"prices":{"currency":"USD"},"padding":"{{new string('x', 70 * 1024)}}"}""";

        using var response = await client.PostAsync("/costs/replay", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJsonAsync(response);
        Assert.Contains("more than 65536 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Event_stream_of_unknown_negotiation_is_404()
    {
        using var client = TestServices.CreateApiClient(address);

        using var response = await client.GetAsync($"/negotiation/{Guid.NewGuid()}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Event_stream_resumes_after_last_event_id()
    {
        using var client = TestServices.CreateApiClient(address);
        using var submitted = await client.PostAsync("/negotiate?source=cache.yaml", new StringContent(TestManifests.RedisPod, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = (await ReadJsonAsync(submitted)).GetProperty("id").GetGuid();

        var first = await ReadEventsAsync(client, id, lastEventId: null, count: 3);
        var resumed = await ReadEventsAsync(client, id, lastEventId: "1", count: 2);

        Assert.Equal(["PartialTaskSubmitted", "RequirementsAnalyzed", "AllocationProposed"], first.Select(item => item.EventType));
        Assert.Equal(["1", "2", "3"], first.Select(item => item.EventId));
        Assert.Equal(["RequirementsAnalyzed", "AllocationProposed"], resumed.Select(item => item.EventType));
        using var data = JsonDocument.Parse(first[2].Data);
        Assert.Equal(3, data.RootElement.GetProperty("version").GetInt64());
        Assert.Equal(id, data.RootElement.GetProperty("data").GetProperty("negotiationId").GetGuid());
    }

    [Theory]
    [InlineData("1", new[] { "2", "3" })]
    [InlineData("3", new string[0])]
    [InlineData("100", new string[0])]
    public async Task Event_stream_ends_when_resumed_after_commit(string lastEventId, string[] expected)
    {
        var id = Guid.NewGuid();
        var allocation = new ResourceAllocation(250, 128);
        var now = DateTimeOffset.UtcNow;
        await using (var eventStore = new EventStoreProbe(infrastructure.Schema))
        {
            await eventStore.AppendAsync(
                id,
                new AllocationCommitted(id, 1, allocation, now),
                new ShadowReleased(id, 1, "shadow-1", allocation, now.AddMinutes(-1), now),
                new ShadowReleased(id, 1, "shadow-2", allocation, now.AddMinutes(-1), now));
        }

        using var client = TestServices.CreateApiClient(address);
        var items = await ReadEventsAsync(client, id, lastEventId, count: null);

        Assert.Equal(expected, items.Select(item => item.EventId));
    }

    [Fact]
    public async Task Event_stream_ends_when_resumed_after_failure()
    {
        var id = Guid.NewGuid();
        await using (var eventStore = new EventStoreProbe(infrastructure.Schema))
        {
            await eventStore.AppendAsync(id, new NegotiationFailed(id, 1, "No pool has room for the task.", DateTimeOffset.UtcNow));
        }

        using var client = TestServices.CreateApiClient(address);
        var items = await ReadEventsAsync(client, id, lastEventId: "5", count: null);

        Assert.Empty(items);
    }

    [Fact]
    public async Task Event_stream_headers_precede_next_event()
    {
        var id = Guid.NewGuid();
        var allocation = new ResourceAllocation(250, 128);
        var now = DateTimeOffset.UtcNow;
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);
        await eventStore.AppendAsync(id, new ShadowReleased(id, 1, "shadow-1", allocation, now.AddMinutes(-1), now));

        using var client = TestServices.CreateApiClient(address);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await SendEventStreamRequestAsync(client, id, "1", timeout.Token);

        // The headers arrived before any event after version 1 existed. The commit then ends the stream.
        await eventStore.AppendAsync(id, new AllocationCommitted(id, 1, allocation, now));
        var items = await ReadItemsAsync(response, count: null, timeout.Token);

        Assert.Equal(["2"], items.Select(item => item.EventId));
        Assert.Equal(nameof(AllocationCommitted), items[0].EventType);
    }

    /// <summary>
    /// Reads <paramref name="count"/> events of the negotiation's stream, which stays open after them, or with
    /// a null count every event until the server ends the stream.
    /// </summary>
    private static async Task<List<SseItem<string>>> ReadEventsAsync(HttpClient client, Guid id, string? lastEventId, int? count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await SendEventStreamRequestAsync(client, id, lastEventId, timeout.Token);
        return await ReadItemsAsync(response, count, timeout.Token);
    }

    /// <summary>Requests the negotiation's event stream and returns once its headers arrived.</summary>
    private static async Task<HttpResponseMessage> SendEventStreamRequestAsync(HttpClient client, Guid id, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/negotiation/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    private static async Task<List<SseItem<string>>> ReadItemsAsync(HttpResponseMessage response, int? count, CancellationToken cancellationToken)
    {
        var items = new List<SseItem<string>>();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            items.Add(item);
            if (items.Count == count)
            {
                break;
            }
        }

        return items;
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}
