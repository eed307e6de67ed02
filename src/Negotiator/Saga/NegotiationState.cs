using System.Text.Json.Serialization;
using EventShadow.Contracts;
using MassTransit;

namespace EventShadow.Negotiator.Saga;

/// <summary>
/// Saga state of one negotiation, stored as a Marten document with optimistic concurrency.
/// </summary>
/// <remarks>
/// The saga does not publish. It raises events into <see cref="RaisedEvents"/>, and the repository
/// appends them to the negotiation's stream in the transaction that saves this state; the event
/// relay publishes them once committed. A crash therefore never loses a decision or publishes one
/// that was not saved.
/// </remarks>
public sealed class NegotiationState : SagaStateMachineInstance, IRaiseEvents
{
    private readonly List<object> raisedEvents = [];

    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = "";

    public string TaskName { get; set; } = "";

    public WorkloadProfile Profile { get; set; }

    public ContainerSpec? Container { get; set; }

    /// <summary>True for a task that ends by itself, such as a Kubernetes Job or CronJob.</summary>
    public bool RunsToCompletion { get; set; }

    /// <summary>Current attempt; 0 before the first proposal.</summary>
    public int Attempt { get; set; }

    public ResourceAllocation? Allocation { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>True when the allocation was committed from usage history, with no shadow trial.</summary>
    public bool CommittedWithoutTrial { get; set; }

    /// <summary>Resource pool that holds this negotiation's lease.</summary>
    public string? Pool { get; set; }

    /// <summary>GPUs the task asks for, leased with its allocation.</summary>
    public int Gpus { get; set; }

    /// <summary>Identity of the workload in the usage history (<c>History.WorkloadKeys</c>).</summary>
    public string WorkloadKey { get; set; } = "";

    /// <summary>When the whole negotiation must have ended.</summary>
    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>When the current attempt must have a trial result.</summary>
    public DateTimeOffset? AttemptDeadlineAt { get; set; }

    /// <summary>
    /// The earlier of the two deadlines while the negotiation is open, null once it ended; stored so
    /// that the deadline watcher can find due negotiations with one indexed query.
    /// </summary>
    public DateTimeOffset? NextDeadlineAt { get; set; }

    public void RefreshNextDeadline()
    {
        NextDeadlineAt = EndedAt is not null
            ? null
            : (DeadlineAt, AttemptDeadlineAt) switch
            {
                ({ } whole, { } attempt) => whole < attempt ? whole : attempt,
                ({ } whole, null) => whole,
                (null, { } attempt) => attempt,
                _ => null,
            };
    }

    [JsonIgnore]
    public IReadOnlyList<object> RaisedEvents => raisedEvents;

    public void Raise(object @event) => raisedEvents.Add(@event);

    public IReadOnlyList<object> TakeRaisedEvents()
    {
        var events = raisedEvents.ToList();
        raisedEvents.Clear();
        return events;
    }
}

/// <summary>
/// A saga whose decisions are events for its stream rather than messages for the bus.
/// </summary>
public interface IRaiseEvents : ISaga
{
    /// <summary>
    /// Returns the events raised since the last call and clears the list.
    /// </summary>
    IReadOnlyList<object> TakeRaisedEvents();
}
