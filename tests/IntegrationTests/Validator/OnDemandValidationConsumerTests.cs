using System.Diagnostics.CodeAnalysis;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.Validator;
using Microsoft.AspNetCore.Builder;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// The Validator service on a real broker and event store: a published <see cref="ValidateShadow"/> leads
/// to the outcome in the validation's own stream, and validations of one shadow never overlap.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "xunit 2 disposes test classes through IAsyncLifetime.DisposeAsync.")]
public sealed class OnDemandValidationConsumerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static readonly string[] Redis = ["redis-server", "--save", "", "--appendonly", "no"];

    private readonly TestShadows shadows = new();
    private TestServices services = null!;
    private WebApplication app = null!;
    private TestBus bus = null!;
    private EventStoreProbe probe = null!;

    public async Task InitializeAsync()
    {
        services = await TestServices.CreateAsync();
        app = ValidatorApplication.Build(services.ServiceArguments(
            "--Validation:WatchSeconds=1",
            "--Validation:PollMilliseconds=100",
            "--Validation:MaxConcurrentValidations=4",
            "--Validation:Suites:Slow:SmokeLoad:Command:0=sleep",
            "--Validation:Suites:Slow:SmokeLoad:Command:1=2"));
        await app.StartAsync();

        bus = await TestBus.StartAsync(services.RabbitMq);
        probe = new EventStoreProbe(services.Schema);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await shadows.DisposeAsync();
            await bus.DisposeAsync();
            await app.StopAsync();
            await app.DisposeAsync();
            await probe.DisposeAsync();
        }
        finally
        {
            await services.DisposeAsync();
        }
    }

    private Task<ShadowConfigured> StartRedisAsync() =>
        shadows.StartAsync(new ResourceAllocation(500, 256), Redis, new ReadinessProbe(["redis-cli", "ping"], null), user: "redis", profile: WorkloadProfile.Cache);

    /// <summary>Stores the request as <c>POST /validate</c> does and publishes it as the relay does.</summary>
    private async Task<ValidateShadow> RequestAsync(ShadowConfigured shadow, string? suite = null)
    {
        var request = new ValidateShadow(Guid.NewGuid(), shadow, suite, DateTimeOffset.UtcNow);
        await probe.AppendAsync(request.ValidationId, request);
        await bus.PublishAsync(request, Guid.NewGuid());
        return request;
    }

    private Task<IReadOnlyList<object>> WaitForOutcomeAsync(Guid validationId) =>
        probe.WaitForAsync(validationId, events => events.Any(e => e is ValidationCompleted or ValidationRejected), Timeout);

    [Fact]
    public async Task Redis_shadow_runs_its_profile_suite()
    {
        var shadow = await StartRedisAsync();

        var request = await RequestAsync(shadow);
        var stream = await WaitForOutcomeAsync(request.ValidationId);

        Assert.Equal(3, stream.Count);
        Assert.IsType<ValidateShadow>(stream[0]);
        var started = Assert.IsType<ValidationStarted>(stream[1]);
        Assert.Equal("Cache", started.Suite);
        var completed = Assert.IsType<ValidationCompleted>(stream[2]);
        Assert.Null(completed.Failure);
        Assert.Equal(shadow.NegotiationId, completed.NegotiationId);
        Assert.Equal(shadow.ShadowId, completed.ShadowId);
        Assert.Equal("redis-benchmark", completed.Measurements.SmokeLoad?.Name);
        Assert.True(completed.Measurements.SmokeLoad?.RequestsPerSecond > 0);

        var negotiationStream = await probe.ReadStreamAsync(shadow.NegotiationId);
        Assert.Empty(negotiationStream);
    }

    [Fact]
    public async Task Removed_shadow_is_rejected_with_reason()
    {
        var shadow = await StartRedisAsync();
        await shadows.RemoveAsync(shadow.ShadowId);

        var request = await RequestAsync(shadow);
        var stream = await WaitForOutcomeAsync(request.ValidationId);

        var rejected = Assert.IsType<ValidationRejected>(stream[^1]);
        Assert.Equal(
            $"shadow {shadow.ShadowId} was not found on the Docker engine; it may have been released or removed before the validation started",
            rejected.Reason);
        Assert.DoesNotContain(stream, e => e is ValidationStarted);
    }

    [Fact]
    public async Task Ended_workload_is_rejected_with_exit_code()
    {
        var shadow = await shadows.StartAsync(new ResourceAllocation(250, 64), ["sh", "-c", "exit 3"], readiness: null);

        var request = await RequestAsync(shadow, suite: "Batch");
        var stream = await WaitForOutcomeAsync(request.ValidationId);

        var rejected = Assert.IsType<ValidationRejected>(stream[^1]);
        Assert.Equal($"the workload sh in shadow {shadow.ShadowId} has already exited with code 3; a validation needs a running workload", rejected.Reason);
    }

    [Fact]
    public async Task Unknown_suite_is_rejected_with_known_names()
    {
        var shadow = await StartRedisAsync();

        var request = await RequestAsync(shadow, suite: "Nightly");
        var stream = await WaitForOutcomeAsync(request.ValidationId);

        var rejected = Assert.IsType<ValidationRejected>(stream[^1]);
        Assert.StartsWith("no validation suite is named 'Nightly'; use one of Batch, Cache, Database,", rejected.Reason, StringComparison.Ordinal);
        Assert.EndsWith("or configure Validation:Suites:Nightly", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_published_without_stream_is_stored_first()
    {
        var shadow = await StartRedisAsync();
        var request = new ValidateShadow(Guid.NewGuid(), shadow, "Generic", DateTimeOffset.UtcNow);

        await bus.PublishAsync(request, Guid.NewGuid());
        var stream = await WaitForOutcomeAsync(request.ValidationId);

        var stored = Assert.IsType<ValidateShadow>(stream[0]);
        Assert.Equal(request.ValidationId, stored.ValidationId);
        Assert.Equal(shadow.ShadowId, stored.Shadow.ShadowId);
        Assert.Equal("Generic", stored.Suite);
        Assert.IsType<ValidationStarted>(stream[1]);
        Assert.Null(Assert.IsType<ValidationCompleted>(stream[2]).Failure);
    }

    [Fact]
    public async Task Validations_of_one_shadow_do_not_overlap()
    {
        var shadow = await StartRedisAsync();

        var first = await RequestAsync(shadow, suite: "Slow");
        var second = await RequestAsync(shadow, suite: "Slow");
        var firstStream = await WaitForOutcomeAsync(first.ValidationId);
        var secondStream = await WaitForOutcomeAsync(second.ValidationId);

        var firstRun = (Start: firstStream.OfType<ValidationStarted>().Single().StartedAt, End: firstStream.OfType<ValidationCompleted>().Single().CompletedAt);
        var secondRun = (Start: secondStream.OfType<ValidationStarted>().Single().StartedAt, End: secondStream.OfType<ValidationCompleted>().Single().CompletedAt);
        var (earlier, later) = firstRun.Start <= secondRun.Start ? (firstRun, secondRun) : (secondRun, firstRun);
        Assert.True(later.Start >= earlier.End, $"the runs overlap: {earlier} and {later}");
        Assert.True(earlier.End - earlier.Start >= TimeSpan.FromSeconds(2), "each run includes the 2 s smoke load");
    }
}
