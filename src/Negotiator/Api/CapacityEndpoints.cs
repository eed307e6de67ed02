using EventShadow.Contracts;
using EventShadow.Hosting.Access;
using EventShadow.Negotiator.Pools;
using EventShadow.Negotiator.Saga;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventShadow.Negotiator.Api;

/// <summary>
/// Resource pool capacity: what each pool has handed out, and releasing a committed allocation.
/// </summary>
public static class CapacityEndpoints
{
    public static IEndpointRouteBuilder MapCapacityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/capacity", DescribeAsync)
            .WithName("GetCapacity")
            .RequireAuthorization(ApiScopes.Read)
            .WithSummary("Each resource pool's capacity, committed and leased use, and free capacity");

        endpoints.MapPost("/negotiation/{id}/release", ReleaseAsync)
            .WithName("ReleaseAllocation")
            .RequireAuthorization(ApiScopes.Submit)
            .WithSummary("Return a committed allocation's capacity to its pool, for example when its task has finished")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<PoolCapacityResponse>>> DescribeAsync(ResourcePoolLedger ledger, CancellationToken cancellationToken)
    {
        var pools = await ledger.DescribeAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<PoolCapacityResponse>>(pools.Select(PoolCapacityResponse.From).ToList());
    }

    private static async Task<Results<Ok<ReleaseResponse>, ProblemHttpResult, ValidationProblem>> ReleaseAsync(
        string id, ResourcePoolLedger ledger, IDocumentStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var negotiationId))
        {
            return InvalidRequest.NegotiationId(id);
        }

        await using var session = store.QuerySession();
        var state = await session.LoadAsync<NegotiationState>(negotiationId, cancellationToken);
        if (state is null)
        {
            return TypedResults.Problem($"No negotiation has the id {negotiationId}.", statusCode: StatusCodes.Status404NotFound, title: "Negotiation not found");
        }

        if (state.CurrentState != "Committed" || state.Pool is null)
        {
            return TypedResults.Problem(
                $"Negotiation {negotiationId} is {StatusOf(state.CurrentState)}; only a committed allocation can be released.",
                statusCode: StatusCodes.Status409Conflict, title: "Nothing to release");
        }

        // The pool's change and the AllocationReleased event commit together, and only the release that
        // finds the lease still held records one, so a repeated or concurrent request changes nothing.
        var released = await ledger.ReleaseCommittedAsync(
            new AllocationReleased(negotiationId, state.Pool, "released through the API", clock.GetUtcNow()), cancellationToken);
        return TypedResults.Ok(new ReleaseResponse(negotiationId, state.Pool, AlreadyReleased: !released));
    }

    /// <summary>
    /// Returns the status that <c>GET /negotiation/{id}</c> shows for a saga state. The saga's final
    /// failure state is named <c>Rejected</c>, which clients know as <see cref="Views.NegotiationStatus.Failed"/>.
    /// </summary>
    private static string StatusOf(string sagaState) =>
        sagaState == nameof(Saga.NegotiationStateMachine.Rejected) ? nameof(Views.NegotiationStatus.Failed) : sagaState;
}

public sealed record ReleaseResponse(Guid Id, string Pool, bool AlreadyReleased);

/// <summary>
/// One resource pool's capacity in <c>GET /capacity</c>: totals, committed and leased use, what is free.
/// </summary>
public sealed record PoolCapacityResponse(string Pool, ResourceAmount Capacity, ResourceAmount Committed, ResourceAmount Leased, ResourceAmount Free, int Negotiations)
{
    public static PoolCapacityResponse From(PoolStatus status) =>
        new(status.Pool, ResourceAmount.From(status.Capacity), ResourceAmount.From(status.Committed), ResourceAmount.From(status.Leased),
            ResourceAmount.From(status.Free), status.Negotiations);
}

public sealed record ResourceAmount(long CpuMillicores, long MemoryMiB, int Gpus)
{
    public static ResourceAmount From(PoolUsage usage) => new(usage.CpuMillicores, usage.MemoryMiB, usage.Gpus);
}
