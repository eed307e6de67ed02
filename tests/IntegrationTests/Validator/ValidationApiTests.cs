using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.EndToEnd;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Negotiator;
using EventShadow.Validator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// <c>POST /validate</c> and <c>GET /validation/{id}</c> on the Negotiator, with the Validator running
/// and real shadows. The tests write the negotiations' streams as the other services would, so that
/// each negotiation stays in the state a test needs.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class ValidationApiTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static readonly ContainerSpec RedisContainer = new(
        "redis", "redis:7", null, null, new Dictionary<string, string>(StringComparer.Ordinal), ResourceBounds.None, ResourceBounds.None);

    private readonly TestShadows shadows = new();
    private TestServices services = null!;
    private WebApplication negotiator = null!;
    private WebApplication validator = null!;
    private EventStoreProbe probe = null!;
    private HttpClient api = null!;

    public async Task InitializeAsync()
    {
        services = await TestServices.CreateAsync();
        negotiator = NegotiatorApplication.Build(services.ServiceArguments(
            "--EventStore:PollingMilliseconds=100", SourceTree.ContentRootArgument("Negotiator")));
        await negotiator.StartAsync();
        validator = ValidatorApplication.Build(services.ServiceArguments(
            "--Validation:WatchSeconds=1", "--Validation:PollMilliseconds=100"));
        await validator.StartAsync();

        var address = negotiator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        api = TestServices.CreateApiClient(address);
        probe = new EventStoreProbe(services.Schema);
    }

    public async Task DisposeAsync()
    {
        try
        {
            api.Dispose();
            await shadows.DisposeAsync();
            await validator.StopAsync();
            await validator.DisposeAsync();
            await negotiator.StopAsync();
            await negotiator.DisposeAsync();
            await probe.DisposeAsync();
        }
        finally
        {
            await services.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a Redis shadow and writes a negotiation whose first attempt runs in it, so that the
    /// negotiation is in <c>Validating</c>.
    /// </summary>
    private async Task<ShadowConfigured> StartValidatingNegotiationAsync()
    {
        var negotiationId = Guid.NewGuid();
        var shadow = await shadows.StartAsync(
            new ResourceAllocation(500, 256), ["redis-server", "--save", "", "--appendonly", "no"], new ReadinessProbe(["redis-cli", "ping"], null),
            negotiationId, user: "redis", profile: WorkloadProfile.Cache);

        await AppendProposalAsync(negotiationId);
        await probe.AppendAsync(
            negotiationId,
            new ShadowClaimed(negotiationId, 1, shadow.ShadowId, $"eventshadow-{negotiationId}-1", "eventshadow/workload:1", true, DateTimeOffset.UtcNow),
            shadow);
        return shadow;
    }

    /// <summary>Writes a negotiation that proposed its first allocation and has no shadow yet.</summary>
    private async Task AppendProposalAsync(Guid negotiationId)
    {
        await probe.AppendAsync(
            negotiationId,
            new PartialTaskSubmitted(negotiationId, "Pod/cache/redis", "cache.yaml", "kubernetes", RedisContainer, DateTimeOffset.UtcNow),
            new AllocationProposed(negotiationId, 1, new ResourceAllocation(500, 256), "test proposal", WorkloadProfile.Cache, RedisContainer));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await api.PostAsync("/validate", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Polls <c>GET /validation/{id}</c> until the validation passed, failed or was rejected.</summary>
    private async Task<JsonElement> WaitForOutcomeAsync(string location)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        var last = "(no answer)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            var view = await api.GetFromJsonAsync<JsonElement>(location, RunningSystem.Json);
            last = view.ToString();
            if (view.GetProperty("status").GetString() is "Passed" or "Failed" or "Rejected")
            {
                return view;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Validation {location} did not end within {Timeout}. Last view: {last}");
    }

    [Fact]
    public async Task Validate_by_negotiation_runs_profile_suite()
    {
        var shadow = await StartValidatingNegotiationAsync();

        var (status, body, response) = await PostAsync($$"""{"negotiationId": "{{shadow.NegotiationId}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var location = body.GetProperty("location").GetString()!;
        Assert.Equal($"/validation/{body.GetProperty("id").GetGuid()}", location);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
        Assert.Equal("Queued", body.GetProperty("status").GetString());
        Assert.Equal(shadow.ShadowId, body.GetProperty("shadowId").GetString());
        Assert.Equal(1, body.GetProperty("attempt").GetInt32());

        var view = await WaitForOutcomeAsync(location);
        Assert.Equal("Passed", view.GetProperty("status").GetString());
        Assert.Equal("Cache", view.GetProperty("suite").GetString());
        Assert.Equal(shadow.NegotiationId, view.GetProperty("negotiationId").GetGuid());
        var validation = view.GetProperty("validation");
        Assert.True(validation.GetProperty("passed").GetBoolean());
        Assert.True(validation.GetProperty("peakMemoryMiB").GetDouble() > 0);
        var smokeLoad = validation.GetProperty("smokeLoad");
        Assert.Equal("redis-benchmark", smokeLoad.GetProperty("name").GetString());
        Assert.True(smokeLoad.GetProperty("requestsPerSecond").GetDouble() > 0);
        Assert.True(view.GetProperty("startedAt").GetDateTimeOffset() <= view.GetProperty("endedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Validate_by_shadow_prefix_runs_named_suite()
    {
        var shadow = await StartValidatingNegotiationAsync();

        var (status, body, _) = await PostAsync($$"""{"shadowId": "{{shadow.ShadowId[..12]}}", "suite": "Generic"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(shadow.ShadowId, body.GetProperty("shadowId").GetString());
        var view = await WaitForOutcomeAsync(body.GetProperty("location").GetString()!);
        Assert.Equal("Passed", view.GetProperty("status").GetString());
        Assert.Equal("Generic", view.GetProperty("suite").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("validation").GetProperty("smokeLoad").ValueKind);
    }

    [Fact]
    public async Task Removed_shadow_is_rejected_after_acceptance()
    {
        var shadow = await StartValidatingNegotiationAsync();
        await shadows.RemoveAsync(shadow.ShadowId);

        var (status, body, _) = await PostAsync($$"""{"negotiationId": "{{shadow.NegotiationId}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, status);
        var view = await WaitForOutcomeAsync(body.GetProperty("location").GetString()!);
        Assert.Equal("Rejected", view.GetProperty("status").GetString());
        Assert.Contains("was not found on the Docker engine", view.GetProperty("rejectionReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_negotiation_is_not_found()
    {
        var id = Guid.NewGuid();

        var (status, body, response) = await PostAsync($$"""{"negotiationId": "{{id}}"}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"No negotiation has the id {id}.", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_shadow_is_not_found()
    {
        var (status, body, response) = await PostAsync("""{"shadowId": "0123456789abcdef"}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("No shadow has the id 0123456789abcdef", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Negotiation_without_shadow_is_conflict_naming_state()
    {
        var negotiationId = Guid.NewGuid();
        await AppendProposalAsync(negotiationId);

        var (status, body, response) = await PostAsync($$"""{"negotiationId": "{{negotiationId}}"}""");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Proposed", body.GetProperty("state").GetString());
        Assert.Equal(
            $"Negotiation {negotiationId} is Proposed: its shadow is not configured yet; a shadow can be validated while the negotiation is Validating.",
            body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Ended_negotiation_is_conflict_by_either_id()
    {
        var shadow = await StartValidatingNegotiationAsync();
        await probe.AppendAsync(shadow.NegotiationId, new AllocationCommitted(shadow.NegotiationId, 1, shadow.Allocation, DateTimeOffset.UtcNow));

        var byNegotiation = await PostAsync($$"""{"negotiationId": "{{shadow.NegotiationId}}"}""");
        var byShadow = await PostAsync($$"""{"shadowId": "{{shadow.ShadowId}}"}""");

        Assert.Equal(HttpStatusCode.Conflict, byNegotiation.Status);
        Assert.Equal("Committed", byNegotiation.Body.GetProperty("state").GetString());
        Assert.EndsWith("is Committed: it has ended and its shadows were released.", byNegotiation.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, byShadow.Status);
        Assert.Equal("Committed", byShadow.Body.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("not json", "body")]
    [InlineData("[]", "body")]
    [InlineData("{}", "body")]
    [InlineData("""{"negotiationId": "6f1c2d3e-0000-4000-8000-000000000001", "shadowId": "0123456789abcdef"}""", "body")]
    [InlineData("""{"negotiationId": "seven"}""", "negotiationId")]
    [InlineData("""{"negotiationId": 7}""", "negotiationId")]
    [InlineData("""{"shadowId": "abc"}""", "shadowId")]
    [InlineData("""{"shadowId": "eventshadow-redis-1"}""", "shadowId")]
    [InlineData("""{"negotiationId": "6f1c2d3e-0000-4000-8000-000000000001", "suite": "no spaces"}""", "suite")]
    public async Task Invalid_request_is_bad_request_naming_field(string body, string field)
    {
        var (status, problem, response) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Unknown_validation_is_not_found()
    {
        var id = Guid.NewGuid();

        using var response = await api.GetAsync($"/validation/{id}");
        using var invalid = await api.GetAsync("/validation/nine");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
