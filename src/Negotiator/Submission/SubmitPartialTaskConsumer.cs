using EventShadow.Contracts;
using EventShadow.Negotiator.Manifests;
using MassTransit;

namespace EventShadow.Negotiator.Submission;

/// <summary>
/// Starts negotiations for definitions that other systems publish on RabbitMQ.
/// </summary>
/// <remarks>
/// The sender's negotiation id is the idempotency key: a repeated message finds the stream taken and
/// changes nothing. An invalid definition is logged with the reason and moved to the error queue,
/// where an operator can read it and replay it once fixed.
/// </remarks>
public sealed class SubmitPartialTaskConsumer(NegotiationSubmitter submitter, ILogger<SubmitPartialTaskConsumer> logger)
    : IConsumer<SubmitPartialTask>
{
    public async Task Consume(ConsumeContext<SubmitPartialTask> context)
    {
        var command = context.Message;
        var source = string.IsNullOrWhiteSpace(command.SourceName) ? "message" : command.SourceName;

        try
        {
            await submitter.SubmitAsync(command.Definition, source, command.NegotiationId, context.CancellationToken);
        }
        catch (DuplicateSubmissionException)
        {
            logger.LogInformation("Negotiation {NegotiationId} was already submitted; ignoring the repeat", command.NegotiationId);
        }
        catch (ManifestException ex)
        {
            logger.LogError("Rejected definition for negotiation {NegotiationId} from {Source}: {Reason}", command.NegotiationId, source, ex.Message);
            throw;
        }
    }
}
