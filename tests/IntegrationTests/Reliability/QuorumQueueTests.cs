using EventShadow.CostLedger;
using EventShadow.IntegrationTests.Infrastructure;

namespace EventShadow.IntegrationTests.Reliability;

/// <summary>
/// <c>RabbitMq:QuorumQueues=true</c> declares the receive endpoints' queues as quorum queues, the
/// replicated kind a RabbitMQ cluster needs.
/// </summary>
public sealed class QuorumQueueTests
{
    [Fact]
    public async Task Quorum_setting_declares_quorum_queues()
    {
        await using var infrastructure = await TestServices.CreateAsync();
        var service = CostLedgerApplication.Build(
            infrastructure.ServiceArguments(SourceTree.ContentRootArgument("CostLedger"), "--RabbitMq:QuorumQueues=true"));
        await service.StartAsync();
        try
        {
            var queues = await RabbitMqBroker.ListQueueTypesAsync(infrastructure.RabbitMq.VirtualHost);

            // The bus's own reply queue is temporary and stays classic; every endpoint queue is quorum.
            var endpoints = queues.Where(queue => !queue.Key.Contains("_bus_", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(endpoints);
            Assert.All(endpoints, queue => Assert.True(queue.Value == "quorum", $"Queue {queue.Key} is {queue.Value}, not quorum."));
        }
        finally
        {
            await service.StopAsync();
            await service.DisposeAsync();
        }
    }
}
