// Renders GraphiQL for GET /graphql. Loaded as an external script so the page
// works under `script-src 'self'` (no inline JavaScript anywhere).
(function () {
  'use strict';

  var DEFAULT_QUERY = [
    '# 欢迎使用 GraphiQL / Welcome to GraphiQL',
    '#',
    '# 编写查询后按 Ctrl-Enter 或点击运行按钮执行。',
    '# Write a query, then press Ctrl-Enter or the run button.',
    '#',
    '# 需要登录时，在下方 Headers 面板填写 JSON：',
    '# To authenticate, put JSON into the Headers tab below:',
    '#   { "Authorization": "Bearer <token>" }',
    '#',
    '# Ctrl-Space 自动补全；左侧文档按钮可浏览 schema。',
    '# Ctrl-Space completes; the docs button shows the schema.',
    '',
    '{',
    '  __typename',
    '}',
    ''
  ].join('\n');

  // Page layout through the CSSOM (allowed under `style-src 'self'`,
  // unlike a style="" attribute or an inline <style> element).
  var html = document.documentElement.style;
  var body = document.body.style;
  html.height = '100%';
  body.height = '100%';
  body.margin = '0';
  body.width = '100%';
  body.overflow = 'hidden';

  var container = document.getElementById('graphiql');
  container.style.height = '100vh';

  // GraphiQL 3 writes the request headers of every executed operation into
  // its history (localStorage "graphiql:queries" / "graphiql:favorites") even
  // with shouldPersistHeaders: false, which would keep bearer tokens on disk.
  // This storage drops the `headers` field of history entries before saving.
  var HISTORY_KEYS = { 'graphiql:queries': true, 'graphiql:favorites': true };
  function withoutHeaders(key, value) {
    if (!HISTORY_KEYS[key]) return value;
    try {
      var parsed = JSON.parse(value);
      var list = parsed && parsed[key.slice('graphiql:'.length)];
      if (Array.isArray(list)) {
        list.forEach(function (item) {
          if (item) delete item.headers;
        });
      }
      return JSON.stringify(parsed);
    } catch (e) {
      return value;
    }
  }
  var storage;
  try {
    var ls = window.localStorage;
    ls.length; // throws where storage is blocked
    storage = {
      getItem: function (k) { return ls.getItem(k); },
      setItem: function (k, v) { ls.setItem(k, withoutHeaders(k, v)); },
      removeItem: function (k) { ls.removeItem(k); },
      clear: function () {
        Object.keys(ls).forEach(function (k) {
          if (k.indexOf('graphiql:') === 0) ls.removeItem(k);
        });
      },
      get length() {
        return Object.keys(ls).filter(function (k) {
          return k.indexOf('graphiql:') === 0;
        }).length;
      }
    };
  } catch (e) {
    // Storage blocked (e.g. privacy settings): keep GraphiQL's state in memory.
    var mem = {};
    storage = {
      getItem: function (k) { return k in mem ? mem[k] : null; },
      setItem: function (k, v) { mem[k] = String(v); },
      removeItem: function (k) { delete mem[k]; },
      clear: function () { mem = {}; },
      get length() { return Object.keys(mem).length; }
    };
  }

  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });

  var props = {
    fetcher: fetcher,
    defaultQuery: DEFAULT_QUERY,
    // Header editor on and its tab open, so a token can be pasted at once.
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
    // Never write pasted tokens to localStorage (tabs state).
    shouldPersistHeaders: false,
    showPersistHeadersSettings: false,
    storage: storage
  };

  ReactDOM.createRoot(container).render(React.createElement(GraphiQL, props));
})();
