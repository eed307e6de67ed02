using System.Net;
using Docker.DotNet;
using EventShadow.Contracts;

namespace EventShadow.Validator;

/// <summary>
/// The smoke-load step of a validation.
/// </summary>
public sealed partial class ShadowValidation
{
    /// <summary>Exit code of coreutils <c>timeout</c> when it stopped the command with SIGTERM.</summary>
    private const long TimeoutExitCode = 124;

    /// <summary>Exit code of a process ended by SIGKILL, which <c>timeout --kill-after</c> sends last.</summary>
    private const long KilledExitCode = 137;

    /// <summary>
    /// Runs the smoke load inside the shadow under <c>timeout</c> and reads the cgroup counters just
    /// before and after it, so that OOM kills and throttling during the load are distinguished from
    /// those of the workload's start.
    /// </summary>
    private async Task<SmokeLoadObservation> RunSmokeLoadAsync(
        ShadowDocker calls, ShadowConfigured shadow, SmokeLoadPlan plan, ValidationOptions settings, CancellationToken cancellationToken)
    {
        var before = await ReadCgroupAsync(calls, shadow, settings, cancellationToken);

        logger.LogInformation(
            "Running the {SmokeLoad} smoke load in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} for at most {TimeoutSeconds} s: {Command}",
            plan.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, plan.Timeout.TotalSeconds, plan.CommandLine);

        var startedAt = time.GetUtcNow();
        var rejected = false;
        ExecResult result;
        try
        {
            result = await calls.RunAsync(shadow.ShadowId, plan.BoundedCommand, plan.User, plan.Timeout + ValidationSuite.SmokeLoadGrace, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // 409 or 404: the shadow stopped or was removed. The final inspection names the state.
            logger.LogWarning(
                "Docker rejected the {SmokeLoad} smoke load in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Error}",
                plan.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.ResponseBody);
            result = new ExecResult(null, "", $"Docker rejected the command: {ex.ResponseBody}");
            rejected = true;
        }

        var duration = time.GetUtcNow() - startedAt;
        var after = await ReadCgroupAsync(calls, shadow, settings, cancellationToken);

        // Without an exit code the bounded command outlived its own limit and the grace: count it as timed out.
        var timedOut = (!result.Finished && !rejected)
            || result.ExitCode == TimeoutExitCode
            || (result.ExitCode == KilledExitCode && duration >= plan.Timeout);

        var observation = new SmokeLoadObservation(
            plan,
            result.ExitCode,
            timedOut,
            startedAt,
            duration,
            SmokeLoadOutput.Read(result.Output, result.ErrorOutput),
            SmokeLoadOutput.ErrorLine(result.Output, result.ErrorOutput),
            before,
            after);

        logger.LogInformation(
            "The {SmokeLoad} smoke load in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} ended with exit code {ExitCode} after {DurationSeconds:0.0} s: {Summary}",
            plan.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, result.ExitCode, duration.TotalSeconds, observation.Reading.Summary);
        return observation;
    }

    /// <summary>
    /// Runs the suite's cleanup command. A failure is logged and recorded, not a reason to fail the validation.
    /// </summary>
    private async Task<bool> CleanUpAsync(
        ShadowDocker calls, ShadowConfigured shadow, SmokeLoadPlan plan, ValidationOptions settings, CancellationToken cancellationToken)
    {
        ExecResult result;
        try
        {
            result = await calls.RunAsync(shadow.ShadowId, plan.Cleanup, plan.User, settings.DockerCallTimeout, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            logger.LogWarning(
                "Docker rejected the cleanup after the {SmokeLoad} smoke load in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Error}",
                plan.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.ResponseBody);
            return false;
        }

        if (!result.Succeeded)
        {
            logger.LogWarning(
                "The cleanup `{Cleanup}` after the {SmokeLoad} smoke load in shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} failed with exit code {ExitCode}: {Output}; what the load wrote stays in the shadow",
                string.Join(' ', plan.Cleanup), plan.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, result.ExitCode, Shorten(result.Output + result.ErrorOutput));
        }

        return result.Succeeded;
    }
}
