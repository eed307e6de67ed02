using System.Net;
using System.Text;
using System.Text.Json;
using EventShadow.IntegrationTests.EndToEnd;

namespace EventShadow.IntegrationTests.Validator;

/// <summary>
/// All four services, with a Cache suite whose smoke load writes about 300 MiB into Redis.
/// </summary>
public sealed class RedisFillSystem : IAsyncLifetime
{
    // 4,800 SETs of 60,000-byte values under distinct keys: about 300 MiB once stored.
    private static readonly string[] FillCommand =
        ["redis-benchmark", "-h", "127.0.0.1", "-t", "set", "-n", "4800", "-d", "60000", "-r", "1000000000", "-c", "4", "--csv"];

    public RunningSystem System { get; } = new(
        [.. FillCommand.Select((argument, index) => $"--Validation:Suites:Cache:SmokeLoad:Command:{index}={argument}")]);

    public Task InitializeAsync() => System.InitializeAsync();

    public Task DisposeAsync() => System.DisposeAsync();
}

/// <summary>
/// A workload that starts fine but runs out of memory under its smoke load. The first proposal is
/// OOM-killed during the load, and the saga renegotiates to an allocation with room for the data.
/// </summary>
public sealed class SmokeLoadRenegotiationTests(RedisFillSystem fixture) : IClassFixture<RedisFillSystem>
{
    private const string RedisDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: session-cache
        spec:
          selector:
            matchLabels: {app: session-cache}
          template:
            metadata:
              labels: {app: session-cache}
            spec:
              containers:
                - name: redis
                  image: redis:7
        """;

    [Fact]
    public async Task Smoke_load_oom_kill_is_renegotiated()
    {
        var system = fixture.System;
        using var content = new StringContent(RedisDeployment, Encoding.UTF8, "application/yaml");
        using var response = await system.Api.PostAsync("/negotiate?source=session-cache.yaml", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /negotiate answered {(int)response.StatusCode}: {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();

        var view = await system.WaitUntilSettledAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("Committed", view.GetProperty("status").GetString());
        var attempts = view.GetProperty("attempts");
        Assert.True(attempts.GetArrayLength() >= 2, view.ToString());

        var first = attempts[0];
        var firstValidation = first.GetProperty("validation");
        Assert.Equal("OutOfMemory", firstValidation.GetProperty("failure").GetString());
        Assert.Equal("Cache", firstValidation.GetProperty("suite").GetString());
        Assert.Contains("during the redis-benchmark smoke load", firstValidation.GetProperty("reasons")[0].GetString(), StringComparison.Ordinal);
        Assert.True(firstValidation.GetProperty("smokeLoad").GetProperty("oomKillCount").GetInt32() > 0);

        var last = attempts[attempts.GetArrayLength() - 1];
        var lastValidation = last.GetProperty("validation");
        Assert.True(lastValidation.GetProperty("passed").GetBoolean(), lastValidation.ToString());
        Assert.Equal(0, lastValidation.GetProperty("smokeLoad").GetProperty("exitCode").GetInt32());
        Assert.True(lastValidation.GetProperty("peakMemoryMiB").GetDouble() > 280, "the passing attempt should hold the ~300 MiB the load wrote");

        var firstMemory = first.GetProperty("allocation").GetProperty("memoryMiB").GetInt32();
        Assert.True(last.GetProperty("allocation").GetProperty("memoryMiB").GetInt32() > firstMemory);
        Assert.True(view.GetProperty("allocation").GetProperty("memoryMiB").GetInt32() > firstMemory);
    }
}
