// A stand-in for the Anthropic Messages API, so that a real Claude Code runs through mnemo's
// hooks without a model or a network: the first turn asks for one Bash command
// ($FAKE_COMMAND), the turn after its tool_result answers with text. Each tool_result it gets
// is printed on stderr. Prints its port on stdout once it listens (PORT, default any free).
import http from 'node:http';

const command = process.env.FAKE_COMMAND || 'git push --force origin main';
let turns = 0;

function streamed(res, message, block, stopReason) {
  res.writeHead(200, {'content-type': 'text/event-stream'});
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({type, ...data})}\n\n`);
  send('message_start', {message});
  if (block.type === 'text') {
    send('content_block_start', {index: 0, content_block: {type: 'text', text: ''}});
    send('content_block_delta', {index: 0, delta: {type: 'text_delta', text: block.text}});
  } else {
    send('content_block_start', {index: 0, content_block: {...block, input: {}}});
    send('content_block_delta',
         {index: 0, delta: {type: 'input_json_delta', partial_json: JSON.stringify(block.input)}});
  }
  send('content_block_stop', {index: 0});
  send('message_delta', {delta: {stop_reason: stopReason, stop_sequence: null}, usage: {output_tokens: 5}});
  send('message_stop', {});
  res.end();
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (!req.url.startsWith('/v1/messages') || req.url.includes('count_tokens')) {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({input_tokens: 10}));
      return;
    }
    let request = {};
    try {
      request = JSON.parse(body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const last = request.messages?.at(-1);
    const results = Array.isArray(last?.content)
      ? last.content.filter((block) => block.type === 'tool_result') : [];
    for (const result of results) process.stderr.write(`tool_result: ${JSON.stringify(result)}\n`);
    const offersBash = (request.tools ?? []).some((tool) => tool.name === 'Bash');
    const block = results.length > 0 || !offersBash
      ? {type: 'text', text: 'Done; I will follow the project rules.'}
      : {type: 'tool_use', id: `toolu_${++turns}`, name: 'Bash', input: {command, description: 'run'}};
    const stopReason = block.type === 'tool_use' ? 'tool_use' : 'end_turn';
    const message = {id: `msg_${turns}_${Date.now()}`, type: 'message', role: 'assistant',
                     model: request.model, content: [], stop_reason: null, stop_sequence: null,
                     usage: {input_tokens: 10, output_tokens: 5}};
    if (request.stream) {
      streamed(res, message, block, stopReason);
    } else {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({...message, content: [block], stop_reason: stopReason}));
    }
  });
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
