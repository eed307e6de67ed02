using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class ContainerPortsTests
{
    [Fact]
    public void KubernetesContainerPorts_AreRead()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
                - name: nginx
                  image: nginx:1.25
                  ports:
                    - containerPort: 80
                    - name: metrics
                      containerPort: 9113
                      protocol: TCP
                    - containerPort: 80
                      protocol: UDP
            """;

        var task = Assert.Single(ManifestReader.Read(text, "pod.yaml"));

        Assert.Equal([80, 9113], task.Container.Ports);
    }

    [Fact]
    public void KubernetesWithoutPorts_HasNone()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: job\nspec:\n  containers:\n    - name: main\n      image: busybox\n";

        var task = Assert.Single(ManifestReader.Read(text, "pod.yaml"));

        Assert.Null(task.Container.Ports);
    }

    [Fact]
    public void ComposeShortAndLongForms_GiveContainerSide()
    {
        const string text = """
            services:
              app:
                image: example/app
                ports:
                  - "8080:80"
                  - "127.0.0.1:9000-9002:7000-7002/udp"
                  - "[::1]:6000:6001"
                  - 3000
                  - target: 5432
                    published: "15432"
                expose:
                  - "4000"
                  - "80"
            """;

        var task = Assert.Single(ManifestReader.Read(text, "compose.yaml"));

        Assert.Equal([80, 7000, 7001, 7002, 6001, 3000, 5432, 4000], task.Container.Ports);
    }

    [Fact]
    public void JsonPorts_AreRead()
    {
        const string text = """{"name": "cache", "image": "redis:7", "ports": [6379, "16379"]}""";

        var task = Assert.Single(ManifestReader.Read(text, "task.json"));

        Assert.Equal([6379, 16379], task.Container.Ports);
    }

    [Theory]
    [InlineData("\"0\"", "invalid port '0'")]
    [InlineData("\"70000\"", "invalid port '70000'")]
    [InlineData("\"80:http\"", "invalid port 'http'")]
    [InlineData("\"-5\"", "invalid port ''")]
    [InlineData("\"8080:80/quic\"", "unknown protocol 'quic'")]
    [InlineData("\"9002-9000\"", "port range '9002-9000' ends before it starts")]
    [InlineData("\"1-2000\"", "port range '1-2000' has more than 1024 ports")]
    public void BadComposePort_IsRejectedWithItsPath(string port, string problem)
    {
        var text = $"services:\n  app:\n    image: example/app\n    ports:\n      - {port}\n";

        Rejects(text, "compose.yaml", 1, "services.app.ports[0]", 5, problem);
    }

    [Fact]
    public void KubernetesPortWithoutContainerPort_IsRejected()
    {
        const string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: nginx\n      image: nginx\n      ports:\n        - name: http\n";

        Rejects(text, "pod.yaml", 1, "spec.containers[0].ports[0].containerPort", 10, "every entry of ports needs a containerPort");
    }
}
