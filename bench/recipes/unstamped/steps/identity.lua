return function(doc, ctx) return doc end
