using System.Net;
using System.Text;
using System.Text.Json;
using EventShadow.Contracts;
using EventShadow.IntegrationTests.Infrastructure;
using EventShadow.IntegrationTests.PoolManager;
using Npgsql;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// A small batch of negotiations with short trials: Redis tasks that commit at their first proposal
/// and stress-ng tasks that keep 300 MB resident, are OOM-killed at 256 MiB and commit on their
/// second attempt. Every task has a name of its own, so outcomes can be compared task by task.
/// </summary>
public sealed class NegotiationBatch
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private NegotiationBatch(string name, IReadOnlyDictionary<Guid, string> tasks)
    {
        Name = name;
        Tasks = tasks;
    }

    public string Name { get; }

    /// <summary>Negotiation id to task name, such as <c>Deployment/redis-b1-1/redis</c>.</summary>
    public IReadOnlyDictionary<Guid, string> Tasks { get; }

    public IReadOnlyCollection<Guid> Ids => [.. Tasks.Keys];

    /// <summary>
    /// Submits <paramref name="redis"/> Redis tasks and <paramref name="memoryHogs"/> memory hogs
    /// through <c>POST /negotiate</c>, one request per task.
    /// </summary>
    public static async Task<NegotiationBatch> SubmitAsync(HttpClient api, string name, int redis, int memoryHogs)
    {
        var tasks = new Dictionary<Guid, string>();
        var definitions = Enumerable.Range(1, redis).Select(index => RedisDeployment($"redis-{name}-{index}"))
            .Concat(Enumerable.Range(1, memoryHogs).Select(index => MemoryHog($"memory-hog-{name}-{index}")));

        foreach (var definition in definitions)
        {
            using var content = new StringContent(definition, Encoding.UTF8, "application/yaml");
            using var response = await api.PostAsync(new Uri($"/negotiate?source={name}.yaml", UriKind.Relative), content);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /negotiate returned {(int)response.StatusCode}: {body}");
            }

            foreach (var negotiation in JsonDocument.Parse(body).RootElement.GetProperty("negotiations").EnumerateArray())
            {
                tasks[negotiation.GetProperty("id").GetGuid()] = negotiation.GetProperty("task").GetString()!;
            }
        }

        return new NegotiationBatch(name, tasks);
    }

    /// <summary>
    /// Polls the batch's streams until <paramref name="condition"/> holds, and returns them. Throws
    /// <see cref="TimeoutException"/> with a summary when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<object>>> WaitForAsync(
        EventStoreProbe eventStore, Func<IReadOnlyDictionary<Guid, IReadOnlyList<object>>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        IReadOnlyDictionary<Guid, IReadOnlyList<object>> streams = new Dictionary<Guid, IReadOnlyList<object>>();
        do
        {
            try
            {
                streams = await ReadAsync(eventStore);
                if (condition(streams))
                {
                    return streams;
                }
            }
            catch (NpgsqlException)
            {
                // A test that restarts PostgreSQL breaks the probe's pooled connections too, so read again.
            }

            await Task.Delay(PollInterval);
        }
        while (DateTimeOffset.UtcNow < deadline);

        throw new TimeoutException($"Batch {Name} did not reach the expected state within {timeout}:\n{Describe(streams)}");
    }

    /// <summary>
    /// Waits until every negotiation ended and every shadow it used was released and priced, or until
    /// <paramref name="timeout"/> passes, and then audits the streams and the Docker engine.
    /// </summary>
    public async Task<BatchAudit> SettleAndAuditAsync(EventStoreProbe eventStore, TimeSpan timeout)
    {
        try
        {
            await WaitForAsync(eventStore, streams => streams.Values.All(StreamAudit.IsSettled), timeout);
        }
        catch (TimeoutException)
        {
            // The audit below names what did not settle.
        }

        var streams = await ReadAsync(eventStore);
        // Release events are appended before the containers are removed: give the removal a moment.
        var removalDeadline = DateTimeOffset.UtcNow.AddSeconds(20);
        var leaked = new List<string>();
        foreach (var id in Ids)
        {
            var left = await WaitForNoShadowAsync(id, removalDeadline);
            leaked.AddRange(left.Select(container => $"{Tasks[id]}: container {container} was left behind"));
        }

        return new BatchAudit(
            Tasks.Count,
            Lost: [.. streams.Where(stream => !StreamAudit.HasEnded(stream.Value)).Select(stream => $"{Tasks[stream.Key]} never ended")],
            Duplicated: [.. streams.SelectMany(stream => StreamAudit.Duplicates(stream.Value).Select(problem => $"{Tasks[stream.Key]}: {problem}"))],
            Unsettled: [.. streams.Where(stream => StreamAudit.HasEnded(stream.Value) && !StreamAudit.IsSettled(stream.Value)).Select(stream => $"{Tasks[stream.Key]} ended but not every shadow was released and priced")],
            Leaked: leaked,
            Outcomes: streams.ToDictionary(stream => Tasks[stream.Key], stream => StreamAudit.Outcome(stream.Value), StringComparer.Ordinal),
            Summary: Describe(streams));
    }

    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<object>>> ReadAsync(EventStoreProbe eventStore)
    {
        var streams = new Dictionary<Guid, IReadOnlyList<object>>();
        foreach (var id in Ids)
        {
            streams[id] = await eventStore.ReadStreamAsync(id);
        }

        return streams;
    }

    private string Describe(IReadOnlyDictionary<Guid, IReadOnlyList<object>> streams) =>
        string.Join('\n', streams.Select(stream =>
            $"  {Tasks[stream.Key]} ({stream.Key}): {string.Join(", ", stream.Value.Select(@event => @event.GetType().Name))}"));

    private static async Task<IReadOnlyList<string>> WaitForNoShadowAsync(Guid negotiationId, DateTimeOffset deadline)
    {
        while (true)
        {
            var left = await ShadowDocker.ListShadowsAsync(negotiationId);
            if (left.Count == 0 || DateTimeOffset.UtcNow > deadline)
            {
                return [.. left.Select(container => $"{container.Names.FirstOrDefault()} ({container.State})")];
            }

            await Task.Delay(PollInterval);
        }
    }

    private static string RedisDeployment(string name) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              containers:
                - name: redis
                  image: redis:7
        """;

    private static string MemoryHog(string name) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              containers:
                - name: stress
                  image: colinianking/stress-ng:latest
                  args: ["--vm", "1", "--vm-bytes", "300M", "--vm-keep"]
        """;
}

/// <summary>
/// What a batch left behind: negotiations that never ended (lost), facts recorded twice
/// (duplicated), negotiations whose shadows were not all released and priced, and containers that
/// were not removed (leaked).
/// </summary>
public sealed record BatchAudit(
    int Run,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Duplicated,
    IReadOnlyList<string> Unsettled,
    IReadOnlyList<string> Leaked,
    IReadOnlyDictionary<string, string> Outcomes,
    string Summary)
{
    public bool IsClean => Lost.Count == 0 && Duplicated.Count == 0 && Unsettled.Count == 0 && Leaked.Count == 0;

    /// <summary>One line for the results table: run, lost, duplicated, leaked.</summary>
    public string TableRow(string faults) =>
        $"| {faults} | {Run} | {Lost.Count} | {Duplicated.Count} | {Leaked.Count} |";

    public override string ToString() =>
        $"{Run} negotiations, {Lost.Count} lost, {Duplicated.Count} duplicated, {Unsettled.Count} unsettled, {Leaked.Count} leaked\n" +
        string.Join('\n', Lost.Concat(Duplicated).Concat(Unsettled).Concat(Leaked).Select(problem => $"  {problem}")) +
        $"\nStreams:\n{Summary}";
}

/// <summary>
/// Rules one negotiation's stream must keep whatever was killed or restarted on the way.
/// </summary>
public static class StreamAudit
{
    public static bool HasEnded(IReadOnlyList<object> stream) =>
        stream.Any(@event => @event is AllocationCommitted or NegotiationFailed);

    /// <summary>Ended, and every shadow it claimed was released and priced.</summary>
    public static bool IsSettled(IReadOnlyList<object> stream)
    {
        if (!HasEnded(stream))
        {
            return false;
        }

        var claimed = stream.OfType<ShadowClaimed>().Select(claim => claim.ShadowId).ToHashSet(StringComparer.Ordinal);
        var released = stream.OfType<ShadowReleased>().Select(release => release.ShadowId).ToHashSet(StringComparer.Ordinal);
        var priced = stream.OfType<ShadowCostRecorded>().Select(cost => cost.ShadowId).ToHashSet(StringComparer.Ordinal);
        return claimed.IsSubsetOf(released) && released.IsSubsetOf(priced);
    }

    /// <summary>Facts that must be recorded at most once and were recorded more often.</summary>
    public static IEnumerable<string> Duplicates(IReadOnlyList<object> stream)
    {
        var keys = stream.Select(@event => @event switch
        {
            AllocationCommitted or NegotiationFailed => "end",
            PartialTaskSubmitted or RequirementsAnalyzed or CommittedAllocationPriced => @event.GetType().Name,
            AllocationProposed proposal => $"{nameof(AllocationProposed)} of attempt {proposal.Attempt}",
            ShadowClaimed claim => $"{nameof(ShadowClaimed)} of attempt {claim.Attempt}",
            ShadowConfigured configured => $"{nameof(ShadowConfigured)} of attempt {configured.Attempt}",
            ShadowUnavailable unavailable => $"{nameof(ShadowUnavailable)} of attempt {unavailable.Attempt}",
            ValidationPassed or ValidationFailed => $"verdict of attempt {Attempt(@event)}",
            ShadowReleased release => $"{nameof(ShadowReleased)} of shadow {release.ShadowId[..12]}",
            ShadowCostRecorded cost => $"{nameof(ShadowCostRecorded)} of shadow {cost.ShadowId[..12]}",
            _ => null,
        });

        return keys.OfType<string>()
            .GroupBy(key => key, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key} recorded {group.Count()} times");
    }

    /// <summary>How the negotiation ended, such as <c>Committed at attempt 2</c>.</summary>
    public static string Outcome(IReadOnlyList<object> stream) =>
        stream.LastOrDefault(@event => @event is AllocationCommitted or NegotiationFailed) switch
        {
            AllocationCommitted commit => $"Committed at attempt {commit.Attempt}",
            NegotiationFailed failure => $"Failed at attempt {failure.Attempt}: {failure.Reason}",
            _ => "not ended",
        };

    private static int Attempt(object verdict) => verdict switch
    {
        ValidationPassed passed => passed.Attempt,
        ValidationFailed failed => failed.Attempt,
        _ => 0,
    };
}
