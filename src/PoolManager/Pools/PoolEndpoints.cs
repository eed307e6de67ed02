using EventShadow.Hosting.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EventShadow.PoolManager.Pools;

/// <summary>
/// <c>GET /pools</c> on the PoolManager's own address: each warm pool's forecast and target, its warm
/// and claimed shadows, and its cold-start rate over the last hour.
/// </summary>
/// <remarks>
/// The PoolManager serves it because it alone sees its Docker host's shadows and its sizing rounds;
/// with one PoolManager per host, each host's pools are read from that host's PoolManager.
/// </remarks>
public static class PoolEndpoints
{
    public static IEndpointRouteBuilder MapPoolEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/pools", async (PoolStatusReader reader, CancellationToken cancellationToken) =>
            TypedResults.Ok(await reader.ReadAsync(cancellationToken)))
            .RequireAuthorization(ApiScopes.Read);
        return endpoints;
    }
}
