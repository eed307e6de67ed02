using Docker.DotNet;
using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// Decides whether this Validator validates a shadow: with <see cref="ValidationOptions.ShadowOwner"/>
/// set, only the shadows of the PoolManager on its own Docker host, because it reaches shadows through
/// its own <c>Docker:Endpoint</c>.
/// </summary>
public sealed class ShadowHostFilter(IDockerClient docker, IOptions<ValidationOptions> options, TimeProvider time)
{
    /// <summary>
    /// The <see cref="ValidationOptions.ShadowOwner"/> this Validator serves, or null when it serves one
    /// Docker host and validates every shadow.
    /// </summary>
    public string? ServedOwner => options.Value.ShadowOwner;

    /// <summary>
    /// Returns whether this Validator validates <paramref name="shadow"/>. A shadow configured before
    /// owners were recorded is validated where the Docker engine has its container.
    /// </summary>
    public async Task<bool> ServesAsync(ShadowConfigured shadow, CancellationToken cancellationToken)
    {
        if (Decide(ServedOwner, shadow.Owner) is { } decision)
        {
            return decision;
        }

        // NOTE: no integration test runs this path yet; one would publish a ShadowConfigured without
        // Owner to a Validator with ShadowOwner set and check that it validates only a shadow its engine has.
        var calls = new ShadowDocker(docker, options.Value.DockerCallTimeout, time);
        return await calls.InspectShadowAsync(shadow.ShadowId, cancellationToken) is not null;
    }

    /// <summary>
    /// Returns whether a Validator serving <paramref name="servedOwner"/> validates a shadow of
    /// <paramref name="shadowOwner"/>, or null when only the Docker engine can tell: the Validator serves
    /// one host of several and the shadow was recorded without owner.
    /// </summary>
    public static bool? Decide(string? servedOwner, string? shadowOwner)
    {
        if (servedOwner is null)
        {
            return true;
        }

        if (shadowOwner is null)
        {
            return null;
        }

        return string.Equals(servedOwner, shadowOwner, StringComparison.Ordinal);
    }
}
