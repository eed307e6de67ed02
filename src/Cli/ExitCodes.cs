using EventShadow.Cli.Following;

namespace EventShadow.Cli;

/// <summary>
/// Exit codes that scripts can rely on. When several apply, the first in this order wins:
/// 3 (unreachable), 5 (access denied), 4 (timed out), 1 (failed or rejected), 0.
/// </summary>
public static class ExitCodes
{
    /// <summary>Every negotiation committed, or the query succeeded.</summary>
    public const int Success = 0;

    /// <summary>A negotiation failed or was not found, a file was rejected, or the server returned an error.</summary>
    public const int Failure = 1;

    /// <summary>Invalid command line: unknown command or option, invalid value, missing path.</summary>
    public const int UsageError = 2;

    /// <summary>The server could not be reached.</summary>
    public const int ServerUnreachable = 3;

    /// <summary>At least one negotiation was neither committed nor failed when <c>--timeout</c> passed.</summary>
    public const int TimedOut = 4;

    /// <summary>The server rejected the API key (401) or the key lacks the scope the command needs (403).</summary>
    public const int AccessDenied = 5;

    /// <summary>Interrupted with Ctrl+C, as shells report SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code table for <c>--help</c>.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Descriptions { get; } =
    [
        (Success, "every negotiation committed (submit --follow), or the request succeeded"),
        (Failure, "a negotiation failed or was not found, a file was rejected, a release was rejected, or the server returned an error"),
        (UsageError, "usage error: unknown command or option, invalid value, path not found"),
        (ServerUnreachable, "server unreachable: start the services with `bash infra/run.sh` or `bash infra/services.sh start`"),
        (TimedOut, "timed out while following: a negotiation was still running when --timeout passed"),
        (AccessDenied, "access denied: the API key is missing or unknown (401), or lacks the scope the command needs (403)"),
        (Interrupted, "interrupted (Ctrl+C)"),
    ];

    /// <summary>
    /// Computes the exit code of <c>submit</c>. Without <c>--follow</c>, <paramref name="outcomes"/> is
    /// empty and only rejected files count.
    /// </summary>
    public static int ForSubmission(int rejectedFiles, IEnumerable<FollowOutcome> outcomes)
    {
        var all = outcomes.ToList();

        if (all.Contains(FollowOutcome.TimedOut))
        {
            return TimedOut;
        }

        if (rejectedFiles > 0 || all.Contains(FollowOutcome.Failed) || all.Contains(FollowOutcome.NotFound))
        {
            return Failure;
        }

        return Success;
    }
}
