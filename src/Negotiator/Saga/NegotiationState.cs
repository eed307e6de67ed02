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
