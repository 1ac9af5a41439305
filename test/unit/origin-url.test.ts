import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SilmarilError } from '../../src/errors.js'
import { originFileUrl } from '../../src/get/origin-url.js'

const isBadRequest = (needle: string) => (err: unknown): boolean =>
  err instanceof SilmarilError && err.code === 'bad_request' && err.message.includes(needle)

test('a Hugging Face repository maps to resolve URLs at the commit, or main', () => {
  const atCommit = originFileUrl({ url: 'https://huggingface.co/meta-llama/Llama-3.2-1B', commit: 'abc123' })
  assert.equal(atCommit('model.safetensors'), 'https://huggingface.co/meta-llama/Llama-3.2-1B/resolve/abc123/model.safetensors')
  const main = originFileUrl({ url: 'https://huggingface.co/org/name.git' })
  assert.equal(main('config.json'), 'https://huggingface.co/org/name/resolve/main/config.json')
  assert.equal(originFileUrl({ url: 'https://huggingface.co/org/name/' })('a'), 'https://huggingface.co/org/name/resolve/main/a')
  assert.equal(originFileUrl({ url: 'https://hf.co/gpt2' })('a'), 'https://huggingface.co/gpt2/resolve/main/a')
  assert.equal(originFileUrl({ url: 'https://huggingface.co/datasets/org/set' })('a'), 'https://huggingface.co/datasets/org/set/resolve/main/a')
})

test('each path segment and the revision are percent-encoded', () => {
  const hf = originFileUrl({ url: 'https://huggingface.co/org/name', commit: 'refs/pr/1' })
  assert.equal(hf('sub dir/a#b?.gguf'), 'https://huggingface.co/org/name/resolve/refs%2Fpr%2F1/sub%20dir/a%23b%3F.gguf')
  const web = originFileUrl({ url: 'https://example.com/models/m/' })
  assert.equal(web('onnx/model 1%.onnx'), 'https://example.com/models/m/onnx/model%201%25.onnx')
})

test('other http(s) URLs are web folders, keeping the query', () => {
  assert.equal(originFileUrl({ url: 'http://127.0.0.1:8080' })('a/b.bin'), 'http://127.0.0.1:8080/a/b.bin')
  assert.equal(originFileUrl({ url: 'https://example.com/m///' })('a'), 'https://example.com/m/a')
  assert.equal(originFileUrl({ url: 'https://example.com/m?download=1' })('a'), 'https://example.com/m/a?download=1')
  assert.equal(originFileUrl({ url: 'https://huggingface.co/org/name/resolve/main' })('a'), 'https://huggingface.co/org/name/resolve/main/a',
    'a path that is not a repository is a web folder even on huggingface.co')
  assert.equal(originFileUrl({ url: 'https://github.com/org/name', commit: 'abc' })('a'), 'https://github.com/org/name/a', 'commit only matters on Hugging Face')
})

test('non-http URLs are refused, naming the URL', () => {
  for (const url of ['git@huggingface.co:org/name', 'ssh://git@host/org/name.git', 'file:///srv/models/m', 'git://host/m', 'not a url']) {
    assert.throws(() => originFileUrl({ url }), isBadRequest(url), url)
  }
})

test('credentials and paths that leave the folder are refused', () => {
  assert.throws(() => originFileUrl({ url: 'https://user:secret@example.com/m' }), (err: unknown) =>
    err instanceof SilmarilError && err.code === 'bad_request' && !err.message.includes('secret'))
  const web = originFileUrl({ url: 'https://example.com/m' })
  for (const path of ['../etc/passwd', 'a/./b', 'a//b', '', '/abs']) assert.throws(() => web(path), isBadRequest('is not a relative file path'), path)
})
