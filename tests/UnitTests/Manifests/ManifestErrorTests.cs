using System.Globalization;
using System.Text;
using EventShadow.Negotiator.Manifests;
using static EventShadow.UnitTests.Manifests.ManifestAssert;

namespace EventShadow.UnitTests.Manifests;

public sealed class ManifestErrorTests
{
    [Fact]
    public void UnclosedFlowList_IsRejectedWithLine()
    {
        // YamlDotNet reports this one without a position; the reader falls back to the last line parsed.
        const string text = "services:\n  web:\n    image: nginx\n    command: [nginx, -g\n    ports: 80\n";

        Rejects(text, "compose.yaml", 1, null, 4, "the text is not valid YAML or JSON: the parser stopped after line 4");
    }

    [Fact]
    public void InvalidMapping_IsRejectedWithParserLine()
    {
        const string text = "services:\n  web:\n    image: nginx: 1.25\n";

        var error = Rejects(text, "compose.yaml", 1, null, 3, "the text is not valid YAML or JSON");

        Assert.Contains("Accepted: Kubernetes YAML or JSON, a docker-compose file, or the native JSON form", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SyntaxErrorInLaterDocument_NamesDocument()
    {
        const string text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\nkind: Pod\n  bad: indentation\n";

        Rejects(text, "two.yaml", 2, null, 7, "the text is not valid YAML or JSON");
    }

    [Fact]
    public void DuplicateKey_IsRejected()
    {
        const string text = "services:\n  web:\n    image: nginx\n    image: httpd\n";

        Rejects(text, "compose.yaml", 1, null, 4, "Duplicate key");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("# only a comment\n")]
    [InlineData("---\n---\n")]
    [InlineData("~\n")]
    public void EmptyDefinition_IsRejected(string text)
    {
        Rejects(text, "empty.yaml", null, null, null, "the definition is empty");
    }

    [Fact]
    public void DefinitionWithoutWorkload_NamesKindsFound()
    {
        const string text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";

        var error = Rejects(text, "config.yaml", null, null, null, "the definition contains no workload");

        Assert.Contains("Service (document 1, line 2), ConfigMap (document 2, line 7)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Accepted workload kinds: Pod, Deployment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalarBody_IsRejected()
    {
        Rejects("just some words", "note.txt", 1, null, 1, "the document is the value 'just some words', not a mapping");
    }

    [Fact]
    public void SequenceBody_IsRejected()
    {
        Rejects("- name: web\n  image: nginx\n", "list.yaml", 1, null, 1, "the document is a list");
    }

    [Fact]
    public void UnrecognisedMapping_IsRejected()
    {
        Rejects("name: web\nreplicas: 2\n", "web.yaml", 1, null, 1, "the document is not a definition EventShadow reads (its keys are name, replicas)");
    }

    [Fact]
    public void TwoHundredTasks_AreAccepted()
    {
        var tasks = ManifestReader.Read(PodList(ManifestReader.MaxTasks), "many.yaml");

        Assert.Equal(200, tasks.Count);
    }

    [Fact]
    public void MoreThanTwoHundredTasks_AreRejected()
    {
        var text = PodList(ManifestReader.MaxTasks + 1);

        Rejects(text, "many.yaml", 1, "items[200].spec.containers[0]", LineOf(text, "name: pod-200") + 3,
            "the definition has more than 200 containers to negotiate");
    }

    [Fact]
    public void DeepNesting_IsRejected()
    {
        var text = new string('[', 5000) + new string(']', 5000);

        Rejects(text, "deep.json", 1, null, 1, "nested more than 100 levels deep");
    }

    [Fact]
    public void ByteOrderMark_IsIgnored()
    {
        const string text = "\uFEFFapiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n";

        var task = Assert.Single(ManifestReader.Read(text, "bom.yaml"));

        Assert.Equal("Pod/web/web", task.Name);
    }

    [Fact]
    public void MergeBomb_IsRejected()
    {
        var text = new StringBuilder("a0: &a0 {k0: 0, k1: 1}\n");
        for (var level = 1; level <= 20; level++)
        {
            text.Append(CultureInfo.InvariantCulture, $"a{level}: &a{level} {{x: {{<<: *a{level - 1}}}, y: {{<<: *a{level - 1}}}}}\n");
        }

        var error = Assert.Throws<ManifestException>(() => ManifestReader.Read(text.ToString(), "bomb.yaml"));

        Assert.Contains("Too many parsing events", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Document);
        Assert.InRange(error.Line ?? 0, 1, 21);
    }

    private static string PodList(int count)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (var index = 0; index < count; index++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - kind: Pod\n    metadata:\n      name: pod-{index}\n    spec:\n      containers:\n        - name: app\n          image: busybox\n");
        }

        return text.ToString();
    }
}
