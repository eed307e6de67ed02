using System.ComponentModel.DataAnnotations;

namespace EventShadow.Hosting;

/// <summary>
/// Connection to RabbitMQ, from the <c>RabbitMq</c> configuration section.
/// </summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "RabbitMq";

    [Required(ErrorMessage = "RabbitMq:Host is missing. Set it, or run infra/setup.sh and load its env file.")]
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    [Required(ErrorMessage = "RabbitMq:Username is missing. Set it, or run infra/setup.sh and load its env file.")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "RabbitMq:Password is missing. Set it, or run infra/setup.sh and load its env file.")]
    public string Password { get; set; } = "";

    /// <summary>Messages each receive endpoint takes from RabbitMQ before acknowledging them.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>
    /// Declares every receive endpoint's queue as a quorum queue, replicated across a RabbitMQ
    /// cluster. An existing classic queue keeps its type: RabbitMQ refuses to redeclare it, so the
    /// queues must be deleted (or drained into new ones) before this is switched on.
    /// </summary>
    public bool QuorumQueues { get; set; }
}

/// <summary>
/// Where the Marten event store lives: <c>ConnectionStrings:EventStore</c> and the <c>EventStore</c> section.
/// </summary>
public sealed class EventStoreOptions : IValidatableObject
{
    public const string SectionName = "EventStore";

    [Required(ErrorMessage = "ConnectionStrings:EventStore is missing. Set it, or run infra/setup.sh and load its env file.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>PostgreSQL schema that holds the events, documents and projections.</summary>
    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "EventStore:Schema must be a lower-case PostgreSQL identifier.")]
    public string Schema { get; set; } = "eventshadow";

    /// <summary>How often the async daemon looks for new events when the store is quiet, in milliseconds.</summary>
    /// <remarks>
    /// A relay hop waits up to this long, and half as long while events keep coming. 50 ms costs about
    /// 4 % of one core more than 200 ms when idle.
    /// </remarks>
    [Range(10, 60_000, ErrorMessage = "EventStore:PollingMilliseconds must be between 10 and 60000.")]
    public int PollingMilliseconds { get; set; } = 50;

    /// <summary>
    /// Wake the async daemon with PostgreSQL LISTEN/NOTIFY when events are appended, instead of waiting
    /// for the next poll; polling stays as the fallback.
    /// </summary>
    /// <remarks>
    /// Off by default. It shortens a relay hop by about 30 ms at a few negotiations a second. Under load,
    /// though, every append wakes the daemon for a batch of a few events. At 200 negotiations a second
    /// that cost PostgreSQL about 50 % more CPU and made the relay's delay about eight times longer
    /// (measured on 2 cores, see docs/benchmarks.md).
    /// </remarks>
    public bool WakeOnAppend { get; set; }

    /// <summary>
    /// Milliseconds the async daemon waits at a gap in event sequence numbers, left by a rolled-back
    /// append such as a lost optimistic-concurrency race, before it checks for an open transaction that
    /// could still fill the gap and, finding none, moves past it. Every consumer waits that long.
    /// </summary>
    [Range(100, 60_000)]
    public int StaleSequenceMilliseconds { get; set; } = 500;

    /// <summary>
    /// Streams whose events the relay publishes at once; 1 publishes one event at a time. Events of
    /// one stream always go one at a time, in order.
    /// </summary>
    [Range(1, 1000)]
    public int RelayConcurrency { get; set; } = 32;

    /// <summary>Longest polling interval without <see cref="WakeOnAppend"/>, where every relay hop waits for a poll.</summary>
    public const int MaxPollingWithoutWakeMilliseconds = 2_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!WakeOnAppend && PollingMilliseconds > MaxPollingWithoutWakeMilliseconds)
        {
            yield return new ValidationResult(
                $"EventStore:PollingMilliseconds is {PollingMilliseconds}, but without EventStore:WakeOnAppend every relay hop waits " +
                $"for a poll, so it must be at most {MaxPollingWithoutWakeMilliseconds}. Lower it, or set EventStore:WakeOnAppend=true.",
                [nameof(PollingMilliseconds)]);
        }
    }
}

/// <summary>
/// Where the Docker engine answers, from the <c>Docker</c> configuration section.
/// </summary>
public sealed class DockerOptions
{
    public const string SectionName = "Docker";

    [Required]
    public Uri Endpoint { get; set; } = new("unix:///var/run/docker.sock");
}
