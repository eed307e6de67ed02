using System.Diagnostics;
using EventShadow.Contracts;
using EventShadow.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// Validates every configured shadow of this Validator's Docker host with the suite of its workload
/// profile and appends <see cref="ValidationPassed"/> or <see cref="ValidationFailed"/> to the
/// negotiation's stream, once per <see cref="ShadowConfigured"/> message.
/// </summary>
/// <remarks>
/// With <see cref="ValidationOptions.ShadowOwner"/> set, every host's Validators receive every
/// <see cref="ShadowConfigured"/> on the host's own queue and skip the shadows of other hosts. All
/// Validators record processed messages under one name, so a message gets one verdict even when the
/// Validators of two hosts take it.
/// </remarks>
public sealed class ValidateShadowConsumer(
    ShadowValidation validation,
    ValidationScheduler scheduler,
    ShadowHostFilter hosts,
    NegotiationEventWriter writer,
    ILogger<ValidateShadowConsumer> logger)
    : IConsumer<ShadowConfigured>
{
    /// <summary>
    /// Name under which processed messages are recorded.
    /// </summary>
    public const string ConsumerName = "validator";

    public async Task Consume(ConsumeContext<ShadowConfigured> context)
    {
        var shadow = context.Message;

        if (!await ShouldValidateAsync(context))
        {
            return;
        }

        logger.LogInformation(
            "Validating shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} with {Allocation}",
            shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, shadow.Allocation.ToString());

        var stopwatch = Stopwatch.StartNew();
        ValidationReport report;
        try
        {
            report = await scheduler.RunAsync(shadow.ShadowId, token => validation.ValidateAsync(shadow, token), context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(
                "Validation of shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} was cancelled because the service is stopping; the message will be delivered again",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex,
                "Could not validate shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} within {ElapsedSeconds:0.0} s: {Error}; the bus retries the message and then moves it to the error queue",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, stopwatch.Elapsed.TotalSeconds, ex.Message);
            throw;
        }

        bool appended;
        try
        {
            appended = await writer.AppendOnceAsync(ConsumerName, context, shadow.NegotiationId, report.ToEvent(shadow));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex,
                "Could not append the verdict on shadow {ShadowId} to negotiation {NegotiationId} attempt {Attempt}: {Error}; the bus retries the message and then moves it to the error queue",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, ex.Message);
            throw;
        }

        if (!appended)
        {
            logger.LogInformation(
                "Validated shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}, but another delivery of message {MessageId} recorded a verdict first; this one was dropped",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, context.MessageId);
            return;
        }

        LogVerdict(shadow, report, stopwatch.Elapsed);
    }

    /// <summary>
    /// Returns false, and logs why, for a shadow of another Docker host and for a message already processed.
    /// </summary>
    private async Task<bool> ShouldValidateAsync(ConsumeContext<ShadowConfigured> context)
    {
        var shadow = context.Message;
        if (!await hosts.ServesAsync(shadow, context.CancellationToken))
        {
            logger.LogDebug(
                "Skipping shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: it belongs to PoolManager {Owner}, and this Validator serves {ServedOwner}",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, shadow.Owner ?? "(not recorded, not on this Docker host)", hosts.ServedOwner);
            return false;
        }

        if (await writer.WasProcessedAsync(ConsumerName, context))
        {
            logger.LogInformation(
                "Shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} was already validated for message {MessageId}; ignoring the redelivery",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, context.MessageId);
            return false;
        }

        return true;
    }

    private void LogVerdict(ShadowConfigured shadow, ValidationReport report, TimeSpan elapsed)
    {
        var measurements = report.Measurements;

        if (report.Verdict.Failure is { } failure)
        {
            logger.LogWarning(
                "Validated shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt}: {Verdict} after {ElapsedSeconds:0.0} s, peak memory {PeakMemoryMiB} MiB of {MemoryLimitMiB} MiB, {OomKillCount} OOM kills: {Reasons}",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, failure, elapsed.TotalSeconds,
                measurements.PeakMemoryMiB, shadow.Allocation.MemoryMiB, measurements.OomKillCount, string.Join("; ", report.Verdict.Reasons));
        }
        else
        {
            logger.LogInformation(
                "Validated shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} with suite {Suite}: Passed after {ElapsedSeconds:0.0} s, peak memory {PeakMemoryMiB} MiB of {MemoryLimitMiB} MiB, ready after {TimeToReadySeconds} s (none without readiness check), smoke load: {SmokeLoad}",
                shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, measurements.Suite, elapsed.TotalSeconds,
                measurements.PeakMemoryMiB, shadow.Allocation.MemoryMiB, measurements.TimeToReadySeconds, measurements.SmokeLoad?.Summary ?? "none");
        }
    }
}

/// <summary>
/// Endpoint settings of <see cref="ValidateShadowConsumer"/>: at most
/// <see cref="ValidationOptions.ConcurrentValidations"/> validations at a time, from the shared
/// <c>validate-shadow</c> or, with <see cref="ValidationOptions.ShadowOwner"/>, from <c>validate-shadow-{ShadowOwner}</c>.
/// </summary>
public sealed class ValidateShadowConsumerDefinition : ConsumerDefinition<ValidateShadowConsumer>
{
    public ValidateShadowConsumerDefinition(IOptions<ValidationOptions> options)
    {
        EndpointName = DockerHostEndpoints.EndpointName<ValidateShadowConsumer>(options.Value.ShadowOwner);
        ConcurrentMessageLimit = options.Value.ConcurrentValidations;
    }
}
