import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import type { TemplateData } from './model.js';
import { checkTemplate, expandTemplate } from './templates.js';

const DATA: TemplateData = {
  labels: { instance: 'host:9090', job: 'api', 'a-b': 'dash' },
  value: 0.1234,
  externalLabels: { cluster: 'eu1' },
  externalURL: 'http://hub.example:16686/meshscope',
};

function expand(template: string, data: Partial<TemplateData> = {}): string {
  return expandTemplate('__alert_Test', template, { ...DATA, ...data });
}

test('variables and fields reach labels, value, external labels and URL', () => {
  assert.equal(expand('{{ $labels.instance }}/{{ .Labels.job }}'), 'host:9090/api');
  assert.equal(expand('{{ $value }} {{ .Value }}'), '0.1234 0.1234');
  assert.equal(expand('{{ $externalLabels.cluster }} {{ .ExternalLabels.cluster }}'), 'eu1 eu1');
  assert.equal(expand('{{ $externalURL }}'), 'http://hub.example:16686/meshscope');
  assert.equal(expand('{{ index $labels "a-b" }}'), 'dash');
  // missingkey=zero: an absent label is the empty string, not "<no value>".
  assert.equal(expand('[{{ $labels.nope }}][{{ index $labels "nope" }}]'), '[][]');
  assert.equal(expand('no actions at all'), 'no actions at all');
  assert.equal(expand('{{ $x := "v" }}{{ $x }}{{ $x = 1 }}{{ $x }}'), 'v1');
});

test('$value prints as Go prints a float64 (%v)', () => {
  const cases: [number, string][] = [
    [0.05, '0.05'],
    [1e6, '1e+06'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ];
  for (const [value, text] of cases) assert.equal(expand('{{ $value }}', { value }), text, String(value));
});

test('humanize functions format as Prometheus does', () => {
  const cases: [string, number, string][] = [
    ['humanize', 1234567, '1.235M'],
    ['humanize', 0.05, '50m'],
    ['humanize', 0, '0'],
    ['humanize', -2500, '-2.5k'],
    ['humanize', 3e-7, '300n'],
    ['humanize1024', 2048, '2ki'],
    ['humanize1024', 1.5 * 1024 ** 3, '1.5Gi'],
    ['humanize1024', 0.5, '0.5'],
    ['humanizeDuration', 90, '1m 30s'],
    ['humanizeDuration', 86400.25, '1d 0h 0m 0s'],
    ['humanizeDuration', 3661, '1h 1m 1s'],
    ['humanizeDuration', 1.5, '1.5s'],
    ['humanizeDuration', 0.1234, '123.4ms'],
    ['humanizeDuration', -90, '-1m 30s'],
    ['humanizeDuration', 0, '0s'],
    ['humanizePercentage', 0.1234, '12.34%'],
    ['humanizePercentage', 1, '100%'],
    ['humanizeTimestamp', 1.5, '1970-01-01 00:00:01.5 +0000 UTC'],
    ['humanizeTimestamp', 1700000000, '2023-11-14 22:13:20 +0000 UTC'],
    ['humanizeTimestamp', -1.5, '1969-12-31 23:59:58.5 +0000 UTC'],
    ['humanize', NaN, 'NaN'],
    ['humanizeDuration', Infinity, '+Inf'],
  ];
  for (const [fn, value, text] of cases) {
    assert.equal(expand(`{{ ${fn} $value }}`, { value }), text, `${fn} ${value}`);
    assert.equal(expand(`{{ $value | ${fn} }}`, { value }), text, `piped ${fn} ${value}`);
  }
  // Like Prometheus, the humanizers take numbers in strings (label values) and integer constants.
  assert.equal(expand('{{ humanize "2500" }} {{ humanize 2500 }} {{ humanizeDuration "90" }}'), '2.5k 2.5k 1m 30s');
});

test('printf follows Go fmt verbs and its error notation', () => {
  assert.equal(expand('{{ printf "%.2f|%s|%d|%v|%q" $value $labels.job 7 $value $labels.job }}'), '0.12|api|7|0.1234|"api"');
  assert.equal(expand('{{ printf "%8.3e|%-5s|%5.1f|%05d|%x|%t|%%" $value "ab" 2.25 42 255 true }}'), '1.234e-01|ab   |  2.2|00042|ff|true|%');
  assert.equal(expand('{{ printf "%d" $value }}'), '%!d(float64=0.1234)');
  assert.equal(expand('{{ printf "%s" 5 }}'), '%!s(int=5)');
  assert.equal(expand('{{ printf "%.4f %v %v %v" 1e-3 1.5e3 0x1F \'a\' }}'), '0.0010 1500 31 97');
  assert.equal(expand('{{ printf "%v %v" 1 }}'), '1 %!v(MISSING)');
  assert.equal(expand('{{ printf "x" 1 "a" }}'), 'x%!(EXTRA int=1, string=a)');
  assert.equal(expand('{{ printf "%q" "a\\"b\\n" }}'), '"a\\"b\\n"');
  assert.equal(expand('{{ print 1 2 "a" 3 }}|{{ println "a" 1 }}'), '1 2a3|a 1\n');
});

test('string functions', () => {
  assert.equal(expand('{{ toUpper $labels.job }} {{ "MiXed" | toLower }} {{ title "hello world-x" }}'), 'API mixed Hello World-X');
  assert.equal(expand('{{ reReplaceAll "(.+):(\\\\d+)" "$1" $labels.instance }}'), 'host');
  assert.equal(expand('{{ reReplaceAll "(?P<h>.+):\\\\d+" "${h}!" $labels.instance }}'), 'host!');
  assert.equal(expand('{{ if match "^host" $labels.instance }}yes{{ end }}'), 'yes');
  assert.equal(expand('{{ safeHtml "<b>x</b>" }} {{ html "<b>" }}'), '<b>x</b> &lt;b&gt;');
  assert.equal(expand('{{ stripPort $labels.instance }} {{ stripPort "[::1]:80" }} {{ stripPort "name" }}'), 'host ::1 name');
  assert.equal(expand('{{ parseDuration "1m30s" }} {{ len $labels }} {{ len "héllo" }}'), '90 3 6');
  assert.equal(expand('{{ graphLink "up == 0" }}'), '/graph?g0.expr=up+%3D%3D+0&g0.tab=0');
  assert.equal(expand('{{ externalURL }} {{ pathPrefix }}'), 'http://hub.example:16686/meshscope /meshscope');
});

test('if / else if / else with comparisons and logic', () => {
  const severity = '{{ if gt $value 100.0 }}page{{ else if ge $value 10.0 }}ticket{{ else }}info{{ end }}';
  assert.equal(expand(severity, { value: 500 }), 'page');
  assert.equal(expand(severity, { value: 10 }), 'ticket');
  assert.equal(expand(severity, { value: 1 }), 'info');
  assert.equal(expand('{{ eq $labels.job "web" "api" }} {{ ne $labels.job "api" }} {{ lt 1 2 }} {{ le 2 2 }}'), 'true false true true');
  assert.equal(expand('{{ if and (gt $value 0.1) (lt $value 1.0) }}in{{ end }}'), 'in');
  assert.equal(expand('{{ and 1 0 }} {{ or 0 "" "z" }} {{ not 0 }} {{ or $labels.nope "default" }}'), '0 z true default');
  assert.equal(expand('{{ if $labels.nope }}set{{ else }}unset{{ end }}'), 'unset');
  assert.equal(expand('{{ with $labels.job }}job={{ . }}{{ end }}'), 'job=api');
  assert.equal(expand('{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}'), 'a-b=dash;instance=host:9090;job=api;');
  assert.equal(expand('{{ range $externalLabels }}{{ . }}{{ break }}{{ end }}'), 'eu1');
});

test('maps print and range in Go key order (UTF-8 bytes, not UTF-16 units)', () => {
  // Expected strings from Go 1.26: fmt %v of the map, and text/template range over it.
  const labels = { '\u{1f600}': '1', '\u{ff5e}': '2', a: '3' };
  assert.equal(expand('{{ $labels }}', { labels }), 'map[a:3 \u{ff5e}:2 \u{1f600}:1]');
  assert.equal(expand('{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}', { labels }), 'a=3;\u{ff5e}=2;\u{1f600}=1;');
});

test('trim markers and comments', () => {
  assert.equal(expand('a  \n {{- " b " -}} \n  c'), 'a b c');
  assert.equal(expand('a {{-3}}'), 'a -3');
  assert.equal(expand('x {{- /* a comment */ -}} y{{/* another */}}!'), 'xy!');
  assert.equal(expand('{{ if true -}}\n  yes\n{{- end }}'), 'yes');
});

test('expansion errors read as Prometheus writes them', () => {
  const prefix = '<error expanding template: error executing template __alert_Test: template: __alert_Test:1:';
  assert.equal(
    expand('{{ if gt $value 10 }}x{{ end }}'),
    `${prefix}118: executing "__alert_Test" at <gt $value 10>: error calling gt: incompatible types for comparison>`,
  );
  assert.match(expand('{{ .Foo }}'), /^<error expanding template: .*:1:115: executing "__alert_Test" at <\.Foo>: can't evaluate field Foo in type struct \{ Labels/);
  assert.equal(
    expand('{{ humanize $labels.job }}'),
    `${prefix}115: executing "__alert_Test" at <humanize $labels.job>: error calling humanize: strconv.ParseFloat: parsing "api": invalid syntax>`,
  );
  assert.equal(
    expand('{{ toUpper $value }}'),
    `${prefix}123: executing "__alert_Test" at <$value>: wrong type for value; expected string; got float64>`,
  );
  assert.equal(expand('{{ humanize 1 2 }}'), `${prefix}115: executing "__alert_Test" at <humanize>: wrong number of args for humanize: want 1 got 2>`);
  assert.match(expand('{{ $labels.job.x }}'), /can't evaluate field x in type string>$/);
  assert.match(expand('{{ reReplaceAll "(" "" "x" }}'), /error calling reReplaceAll: error parsing regexp/);
  // Parses (Prometheus has the function), but Meshscope cannot run queries from templates.
  assert.match(expand('{{ query "up" }}'), /error calling query: not supported by Meshscope>$/);
  assert.match(expand('{{ humanise 1 }}'), /^<error expanding template: error parsing template __alert_Test: template: __alert_Test:1: function "humanise" not defined>$/);
});

test('checkTemplate reports what Go refuses to parse', () => {
  assert.equal(checkTemplate('{{ $labels.job }} {{ humanize $value }}', '__alert_A'), undefined);
  assert.equal(checkTemplate('{{ query "up" | first | value }}', '__alert_A'), undefined);
  const refused: [string, string][] = [
    ['{{ humanise 1 }}', 'template: __alert_A:1: function "humanise" not defined'],
    ['{{ $nope }}', 'template: __alert_A:1: undefined variable "$nope"'],
    ['{{ end }}', 'template: __alert_A:1: unexpected {{end}}'],
    ['{{ if true }}x', 'template: __alert_A:1: unexpected EOF'],
    ['{{ "abc }}', 'template: __alert_A:1: unterminated quoted string'],
    ['{{ $value ', 'template: __alert_A:1: unclosed action'],
    ['{{ }}', 'template: __alert_A:1: missing value for command'],
    ['line\n{{ $value | 3 }}', 'template: __alert_A:2: non executable command in pipeline stage 2'],
    ['{{ break }}', 'template: __alert_A:1: {{break}} outside {{range}}'],
    ['{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}', 'template: __alert_A:1: undefined variable "$x"'],
  ];
  for (const [text, message] of refused) assert.equal(checkTemplate(text, '__alert_A'), message, text);
});

// --- Agreement with Prometheus itself -------------------------------------------------------------------

function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const ANNOTATIONS = {
  summary: '{{ $labels.instance }} value {{ $value }}',
  human: '{{ humanize $value }} {{ humanize1024 $value }} {{ humanizePercentage $value }} {{ humanizeDuration $value }}',
  printf: '{{ printf "%.2f|%s|%d|%v|%q|%8.3e|%-6s|" $value $labels.job 7 $value $labels.job $value $labels.job }}',
  misc: '{{ $labels.job | toUpper }} {{ reReplaceAll "(.+):(\\\\d+)" "$1" $labels.instance }} {{ if gt $value 1.0 }}high{{ else }}low{{ end }}',
  trim: 'a  {{- " b " -}}  c {{ .Labels.job }} {{ humanizeTimestamp .Value }} {{ len $labels }}',
};

/** Annotation texts that `promtool test rules` must accept for the value each series has. */
const EXPECTED: { value: string; annotations: Record<keyof typeof ANNOTATIONS, string> }[] = [
  {
    value: '0.05',
    annotations: {
      summary: 'host0:9090 value 0.05',
      human: '50m 0.05 5% 50ms',
      printf: '0.05|api|7|0.05|"api"|5.000e-02|api   |',
      misc: 'API host0 low',
      trim: 'a b c api 1970-01-01 00:00:00.05 +0000 UTC 3',
    },
  },
  {
    value: '1234567',
    annotations: {
      summary: 'host1:9090 value 1.234567e+06',
      human: '1.235M 1.177Mi 1.235e+08% 14d 6h 56m 7s',
      printf: '1234567.00|api|7|1.234567e+06|"api"|1.235e+06|api   |',
      misc: 'API host1 high',
      trim: 'a b c api 1970-01-15 06:56:07 +0000 UTC 3',
    },
  },
  {
    value: '90',
    annotations: {
      summary: 'host2:9090 value 90',
      human: '90 90 9000% 1m 30s',
      printf: '90.00|api|7|90|"api"|9.000e+01|api   |',
      misc: 'API host2 high',
      trim: 'a b c api 1970-01-01 00:01:30 +0000 UTC 3',
    },
  },
  {
    value: '0.1234',
    annotations: {
      summary: 'host3:9090 value 0.1234',
      human: '123.4m 0.1234 12.34% 123.4ms',
      printf: '0.12|api|7|0.1234|"api"|1.234e-01|api   |',
      misc: 'API host3 low',
      trim: 'a b c api 1970-01-01 00:00:00.123 +0000 UTC 3',
    },
  },
  {
    value: '1000000',
    annotations: {
      summary: 'host4:9090 value 1e+06',
      human: '1M 976.6ki 1e+08% 11d 13h 46m 40s',
      printf: '1000000.00|api|7|1e+06|"api"|1.000e+06|api   |',
      misc: 'API host4 high',
      trim: 'a b c api 1970-01-12 13:46:40 +0000 UTC 3',
    },
  },
  {
    value: 'NaN',
    annotations: {
      summary: 'host5:9090 value NaN',
      human: 'NaN NaN NaN% NaN',
      printf: 'NaN|api|7|NaN|"api"|     NaN|api   |',
      // Go's gt is "not le", so NaN compares greater than anything.
      misc: 'API host5 high',
      trim: 'a b c api NaN 3',
    },
  },
  {
    value: '1.0625',
    annotations: {
      summary: 'host6:9090 value 1.0625',
      human: '1.062 1.062 106.2% 1.062s',
      printf: '1.06|api|7|1.0625|"api"|1.062e+00|api   |',
      misc: 'API host6 high',
      trim: 'a b c api 1970-01-01 00:00:01.062 +0000 UTC 3',
    },
  },
];

test('expansion gives exactly the annotations promtool test rules accepts', async () => {
  const instance = (i: number): string => `host${i}:9090`;
  EXPECTED.forEach(({ value, annotations }, i) => {
    // Prometheus' $labels are the expression's result labels, here including __name__.
    const labels = { __name__: 'test_metric', instance: instance(i), job: 'api' };
    const data: TemplateData = { labels, value: Number(value), externalLabels: {}, externalURL: '' };
    for (const [name, template] of Object.entries(ANNOTATIONS)) {
      assert.equal(expandTemplate('__alert_T', template, data), annotations[name as keyof typeof ANNOTATIONS], `${value} ${name}`);
    }
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'meshscope-templates-'));
  try {
    const rules = { groups: [{ name: 'g', rules: [{ alert: 'T', expr: 'test_metric', annotations: ANNOTATIONS }] }] };
    const unitTest = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: EXPECTED.map(({ value }, i) => ({ series: `test_metric{instance="${instance(i)}", job="api"}`, values: value })),
          alert_rule_test: [
            {
              eval_time: '0m',
              alertname: 'T',
              exp_alerts: EXPECTED.map(({ annotations }, i) => ({ exp_labels: { instance: instance(i), job: 'api' }, exp_annotations: annotations })),
            },
          ],
        },
      ],
    };
    await writeFile(path.join(dir, 'rules.yml'), stringify(rules));
    await writeFile(path.join(dir, 'test.yml'), stringify(unitTest));
    const result = await run('promtool', ['test', 'rules', 'test.yml'], dir);
    assert.equal(result.code, 0, result.output);
    // And the check is real: a wrong expectation makes promtool fail.
    unitTest.tests[0]!.alert_rule_test[0]!.exp_alerts[0]!.exp_annotations.human = '50m 0.05 5% 0.05s';
    await writeFile(path.join(dir, 'test.yml'), stringify(unitTest));
    assert.notEqual((await run('promtool', ['test', 'rules', 'test.yml'], dir)).code, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
