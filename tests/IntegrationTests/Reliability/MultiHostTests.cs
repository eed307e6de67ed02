using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// Two PoolManagers stand for two Docker hosts, each with a Validator bound to it. Both are in fact
/// this machine's one engine, so what these tests check is that work follows the shadow's owner:
/// each shadow is validated by its own host's Validator and released by its own PoolManager.
/// </summary>
public sealed class MultiHostTests(ITestOutputHelper output)
{
    private const int Hosts = 2;

    [Fact]
    public async Task Hosts_validate_and_release_own_shadows()
    {
        await using var infrastructure = await TestServices.CreateAsync();

        // The reaper runs once at start and then after an hour, so only the release consumers can
        // remove the shadows: a release that reached the wrong host would leave its shadow behind.
        await using var system = new ProcessSystem(
            infrastructure.ServiceArguments(),
            Hosts,
            (service, _, instanceName) => service switch
            {
                "PoolManager" => ["--Shadows:SeveralDockerHosts=true"],
                "Validator" => [$"--Validation:ShadowOwner={instanceName}"],
                _ => [],
            },
            "--Shadows:ReaperIntervalSeconds=3600");
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);

        NegotiationBatch batch = null!;
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            await system.StartAsync();
            using var api = system.CreateApiClient();
            batch = await NegotiationBatch.SubmitAsync(api, "hosts", redis: 6, memoryHogs: 2);
        });

        var audit = await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, "none, two Docker hosts, each with its PoolManager and Validator");
        Assert.All(audit.Outcomes.Values, outcome => Assert.StartsWith("Committed", outcome, StringComparison.Ordinal));

        var streams = await batch.ReadAsync(eventStore);
        var configured = streams.Values.SelectMany(stream => stream.OfType<ShadowConfigured>()).ToList();
        var owners = Enumerable.Range(1, Hosts).ToDictionary(system.InstanceName, instance => instance, StringComparer.Ordinal);

        output.WriteLine($"Shadows per host: {string.Join(", ", configured.GroupBy(shadow => shadow.Owner).Select(host => $"{host.Key} {host.Count()}"))}");

        // Every shadow names its owner, and both hosts got shadows.
        Assert.All(configured, shadow => Assert.True(
            shadow.Owner is not null && owners.ContainsKey(shadow.Owner), $"Shadow {shadow.ShadowId} has owner '{shadow.Owner}'."));
        Assert.Equal(owners.Keys.Order(StringComparer.Ordinal), configured.Select(shadow => shadow.Owner!).Distinct().Order(StringComparer.Ordinal));

        AssertWorkFollowedOwners(system, configured, owners);
        await AssertQueuePerHostAsync(infrastructure, owners.Keys);
    }

    /// <summary>
    /// Asserts that the Validator and the PoolManager of each shadow's owner validated and released it,
    /// that the other host's ones never touched it, and that no reaper removed a shadow.
    /// </summary>
    private static void AssertWorkFollowedOwners(ProcessSystem system, List<ShadowConfigured> configured, Dictionary<string, int> owners)
    {
        foreach (var shadow in configured)
        {
            var own = owners[shadow.Owner!];
            var other = Hosts + 1 - own;
            AssertLogged(system, "Validator", own, shadow.ShadowId, "Validated shadow ");
            Assert.DoesNotContain(shadow.ShadowId, system.Get("Validator", other).Output, StringComparison.Ordinal);
            AssertLogged(system, "PoolManager", own, shadow.ShadowId, "Released shadow ");
            Assert.False(
                Lines(system.Get("PoolManager", other).Output).Any(line => line.Contains(shadow.ShadowId, StringComparison.Ordinal) && line.Contains("Released shadow ", StringComparison.Ordinal)),
                $"PoolManager#{other} released shadow {shadow.ShadowId} of PoolManager#{own}.");
        }

        foreach (var process in system.Processes.Where(process => process.Service == "PoolManager"))
        {
            Assert.DoesNotContain("Reaped shadow ", process.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Asserts that each host consumes from queues of its own and that the shared queues of one host
    /// were never declared.
    /// </summary>
    private static async Task AssertQueuePerHostAsync(TestServices infrastructure, IEnumerable<string> owners)
    {
        var queues = await RabbitMqBroker.ListQueueTypesAsync(infrastructure.RabbitMq.VirtualHost);
        foreach (var owner in owners)
        {
            Assert.Contains($"validate-shadow-{owner}", queues.Keys);
            Assert.Contains($"on-demand-validation-{owner}", queues.Keys);
            Assert.Contains($"release-shadow-{owner}", queues.Keys);
        }

        Assert.DoesNotContain("validate-shadow", queues.Keys);
        Assert.DoesNotContain("release-shadow", queues.Keys);
    }

    [Fact]
    public async Task One_host_keeps_shared_queues()
    {
        await using var infrastructure = await TestServices.CreateAsync();
        await using var system = new ProcessSystem(infrastructure.ServiceArguments(), instances: 1);
        await using var eventStore = new EventStoreProbe(infrastructure.Schema);

        NegotiationBatch batch = null!;
        await ReliabilityRun.WithLogsOnFailureAsync(system, output, async () =>
        {
            await system.StartAsync();
            using var api = system.CreateApiClient();
            batch = await NegotiationBatch.SubmitAsync(api, "one-host", redis: 2, memoryHogs: 1);
        });

        await ReliabilityRun.AssertCleanAsync(batch, eventStore, system, output, "none, one Docker host with default settings");

        // The shadows record their owner, and the Validator, serving no owner in particular, validated them.
        var streams = await batch.ReadAsync(eventStore);
        var configured = streams.Values.SelectMany(stream => stream.OfType<ShadowConfigured>()).ToList();
        Assert.NotEmpty(configured);
        Assert.All(configured, shadow => Assert.Equal(system.InstanceName(1), shadow.Owner));
        Assert.All(configured, shadow => AssertLogged(system, "Validator", 1, shadow.ShadowId, "Validated shadow "));

        var queues = await RabbitMqBroker.ListQueueTypesAsync(infrastructure.RabbitMq.VirtualHost);
        Assert.Contains("validate-shadow", queues.Keys);
        Assert.Contains("on-demand-validation", queues.Keys);
        Assert.Contains("release-shadow", queues.Keys);
        Assert.DoesNotContain(queues.Keys, queue => queue.StartsWith("validate-shadow-", StringComparison.Ordinal) || queue.StartsWith("release-shadow-", StringComparison.Ordinal));
    }

    private static void AssertLogged(ProcessSystem system, string service, int instance, string shadowId, string action)
    {
        var process = system.Get(service, instance);
        Assert.True(
            Lines(process.Output).Any(line => line.Contains(action, StringComparison.Ordinal) && line.Contains(shadowId, StringComparison.Ordinal)),
            $"{process.Name} did not log '{action.Trim()}' for shadow {shadowId}.");
    }

    private static string[] Lines(string text) => text.Split('\n');
}
