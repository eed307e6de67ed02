using EventShadow.Cli.Api;

namespace EventShadow.Cli.Rendering;

/// <summary>The one line printed for each release, by <c>release</c> and by <c>submit --follow --release</c>.</summary>
public static class ReleaseLines
{
    /// <summary>
    /// Describes one release in plain text (escape it before writing it as markup): the pool the capacity
    /// went back to, or why nothing was released.
    /// </summary>
    public static string Describe(ReleaseResult result) =>
        result switch
        {
            { Released: { AlreadyReleased: true } released } => $"{result.Id}: already released from pool {released.Pool}",
            { Released: { } released } => $"{result.Id}: released, capacity returned to pool {released.Pool}",
            { Rejected: { } problem, StatusCode: 404 } => $"{result.Id}: not found (404): {Formats.ProblemLine(problem)}",
            { Rejected: { } problem, StatusCode: 409 } => $"{result.Id}: not released (409): {Formats.ProblemLine(problem)}",
            { Rejected: { } problem } => $"{result.Id}: not released (HTTP {result.StatusCode}): {Formats.ProblemLine(problem)}",
            _ => $"{result.Id}: no answer from the server",
        };

    /// <summary>Whether the allocation is back in its pool, now or by an earlier release.</summary>
    public static bool Succeeded(ReleaseResult result) => result.Released is not null;
}
