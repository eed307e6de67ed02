using EventShadow.Contracts;
using EventShadow.Hosting;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace EventShadow.Validator;

/// <summary>
/// Runs on-demand validations (<see cref="ValidateShadow"/>, from <c>POST /validate</c>) and appends
/// their outcome to the validation's own stream: <see cref="ValidationStarted"/>, then
/// <see cref="ValidationCompleted"/>, or <see cref="ValidationRejected"/> when the shadow cannot be
/// validated.
/// </summary>
/// <remarks>
/// The result never goes to the negotiation's stream, so the saga does not take it for the verdict
/// of its own trial. The validation waits for any other validation of the same shadow, the saga's
/// included, and leaves the shadow as <see cref="ShadowValidation"/> describes. With
/// <see cref="ValidationOptions.ShadowOwner"/> set, requests for shadows of other Docker hosts are skipped.
/// </remarks>
public sealed class OnDemandValidationConsumer(
    ShadowValidation validation,
    ValidationScheduler scheduler,
    ShadowHostFilter hosts,
    NegotiationEventWriter writer,
    IDocumentStore store,
    IOptions<ValidationOptions> options,
    TimeProvider time,
    ILogger<OnDemandValidationConsumer> logger) : IConsumer<ValidateShadow>
{
    /// <summary>Name under which the verdict of a request is recorded as processed.</summary>
    public const string ConsumerName = "validator.on-demand";

    /// <summary>Name under which the start of a request is recorded, apart from its verdict.</summary>
    public const string StartConsumerName = "validator.on-demand.start";

    public async Task Consume(ConsumeContext<ValidateShadow> context)
    {
        var request = context.Message;
        var shadow = request.Shadow;

        if (!await hosts.ServesAsync(shadow, context.CancellationToken))
        {
            logger.LogDebug(
                "Skipping validation {ValidationId} of shadow {ShadowId}: it belongs to PoolManager {Owner}, and this Validator serves {ServedOwner}",
                request.ValidationId, shadow.ShadowId, shadow.Owner ?? "(not recorded, not on this Docker host)", hosts.ServedOwner);
            return;
        }

        if (await writer.WasProcessedAsync(ConsumerName, context))
        {
            logger.LogInformation(
                "Validation {ValidationId} of shadow {ShadowId} already has its outcome for message {MessageId}; ignoring the redelivery",
                request.ValidationId, shadow.ShadowId, context.MessageId);
            return;
        }

        // A sender that published the command itself, not through POST /validate, has no stream yet.
        var requestEvent = await HasStreamAsync(request.ValidationId, context.CancellationToken) ? null : request;

        var settings = options.Value;
        var suite = request.Suite is { } name ? ValidationSuites.Find(settings, name) : ValidationSuites.ForProfile(settings, shadow.Profile);
        if (suite is null)
        {
            await RejectAsync(context, requestEvent,
                $"no validation suite is named '{request.Suite}'; use one of {string.Join(", ", ValidationSuites.Names(settings))}, or configure Validation:Suites:{request.Suite}");
            return;
        }

        object outcome;
        try
        {
            outcome = await scheduler.RunAsync(shadow.ShadowId, token => RunAsync(context, requestEvent, suite, token), context.CancellationToken);
        }
        catch (TimeoutException ex)
        {
            logger.LogWarning(ex,
                "Validation {ValidationId} of shadow {ShadowId} of negotiation {NegotiationId} could not finish: {Error}",
                request.ValidationId, shadow.ShadowId, shadow.NegotiationId, ex.Message);
            outcome = new ValidationRejected(request.ValidationId, shadow.ShadowId, ex.Message, time.GetUtcNow());
        }

        if (outcome is ValidationRejected rejected)
        {
            await RejectAsync(context, requestEvent, rejected.Reason);
            return;
        }

        var completed = (ValidationCompleted)outcome;
        await writer.AppendOnceAsync(ConsumerName, context, request.ValidationId, completed);
        LogVerdict(completed);
    }

    /// <summary>
    /// Checks the shadow on the Docker engine, records the start and validates. Returns
    /// <see cref="ValidationCompleted"/>, or <see cref="ValidationRejected"/> when the shadow cannot be validated.
    /// </summary>
    private async Task<object> RunAsync(
        ConsumeContext<ValidateShadow> context, ValidateShadow? requestEvent, ValidationSuite suite, CancellationToken cancellationToken)
    {
        var request = context.Message;
        var shadow = request.Shadow;

        if (await validation.FindProblemAsync(shadow, cancellationToken) is { } problem)
        {
            return new ValidationRejected(request.ValidationId, shadow.ShadowId, problem, time.GetUtcNow());
        }

        var started = new ValidationStarted(request.ValidationId, shadow.ShadowId, suite.Name, time.GetUtcNow());
        object[] startEvents = requestEvent is null ? [started] : [requestEvent, started];
        await writer.AppendOnceAsync(StartConsumerName, context, request.ValidationId, startEvents);

        logger.LogInformation(
            "Validation {ValidationId} runs suite {Suite} on shadow {ShadowId} of negotiation {NegotiationId} attempt {Attempt} with {Allocation}",
            request.ValidationId, suite.Name, shadow.ShadowId, shadow.NegotiationId, shadow.Attempt, shadow.Allocation.ToString());

        var report = await validation.ValidateAsync(shadow, suite, cancellationToken);
        return new ValidationCompleted(
            request.ValidationId, shadow.NegotiationId, shadow.Attempt, shadow.ShadowId, suite.Name,
            report.Verdict.Failure, report.Verdict.Reasons, report.Measurements, time.GetUtcNow());
    }

    private async Task RejectAsync(ConsumeContext<ValidateShadow> context, ValidateShadow? requestEvent, string reason)
    {
        var request = context.Message;
        var rejected = new ValidationRejected(request.ValidationId, request.Shadow.ShadowId, reason, time.GetUtcNow());

        // The request may have been stored with the start meanwhile; storing it twice would be harmless but confusing.
        var stillMissing = requestEvent is not null && !await HasStreamAsync(request.ValidationId, context.CancellationToken);
        object[] events = stillMissing ? [requestEvent!, rejected] : [rejected];
        await writer.AppendOnceAsync(ConsumerName, context, request.ValidationId, events);

        logger.LogWarning(
            "Rejected validation {ValidationId} of shadow {ShadowId} of negotiation {NegotiationId}: {Reason}",
            request.ValidationId, request.Shadow.ShadowId, request.Shadow.NegotiationId, reason);
    }

    private async Task<bool> HasStreamAsync(Guid validationId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamStateAsync(validationId, cancellationToken) is not null;
    }

    private void LogVerdict(ValidationCompleted completed)
    {
        var measurements = completed.Measurements;
        if (completed.Failure is { } failure)
        {
            logger.LogWarning(
                "Validation {ValidationId} of shadow {ShadowId} with suite {Suite}: {Verdict}, peak memory {PeakMemoryMiB} MiB: {Reasons}",
                completed.ValidationId, completed.ShadowId, completed.Suite, failure, measurements.PeakMemoryMiB, string.Join("; ", completed.Reasons));
            return;
        }

        logger.LogInformation(
            "Validation {ValidationId} of shadow {ShadowId} with suite {Suite}: Passed, peak memory {PeakMemoryMiB} MiB, smoke load: {SmokeLoad}",
            completed.ValidationId, completed.ShadowId, completed.Suite, measurements.PeakMemoryMiB, measurements.SmokeLoad?.Summary ?? "none");
    }
}

/// <summary>
/// Endpoint settings of <see cref="OnDemandValidationConsumer"/>: at most
/// <see cref="ValidationOptions.ConcurrentValidations"/> requests at a time, which then share the
/// slots of <see cref="ValidationScheduler"/> with the negotiations' validations. The endpoint is the
/// shared one or, with <see cref="ValidationOptions.ShadowOwner"/>, one per Docker host.
/// </summary>
public sealed class OnDemandValidationConsumerDefinition : ConsumerDefinition<OnDemandValidationConsumer>
{
    public OnDemandValidationConsumerDefinition(IOptions<ValidationOptions> options)
    {
        EndpointName = DockerHostEndpoints.EndpointName<OnDemandValidationConsumer>(options.Value.ShadowOwner);
        ConcurrentMessageLimit = options.Value.ConcurrentValidations;
    }
}
